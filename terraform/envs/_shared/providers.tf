# Shared by envs/dev and envs/prod (symlinked there). Provider credentials come
# from sensitive variables that are set from the environment (TF_VAR_...);
# AWS credentials are never variables: the AWS SDK chain supplies them.

terraform {
  required_version = ">= 1.10" # S3 backend locking with use_lockfile
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    snowflake = {
      source  = "Snowflake-Labs/snowflake"
      version = "~> 2.0"
    }
    prefect = {
      source  = "PrefectHQ/prefect"
      version = "~> 2.0"
    }
    airbyte = {
      source  = "airbytehq/airbyte"
      version = "~> 0.13"
    }
  }
}

provider "aws" {
  region = var.aws_region
  default_tags {
    tags = module.naming.tags
  }
}

provider "snowflake" {
  organization_name = var.snowflake_organization_name
  account_name      = var.snowflake_account_name
  user              = var.snowflake_admin_user
  # Resource monitors need ACCOUNTADMIN; everything else would do with SYSADMIN and SECURITYADMIN.
  role          = var.snowflake_admin_role
  authenticator = "SNOWFLAKE_JWT"
  private_key   = var.snowflake_admin_private_key
}

provider "prefect" {
  endpoint     = var.prefect_api_url
  api_key      = var.prefect_api_key
  account_id   = var.prefect_account_id
  workspace_id = var.prefect_workspace_id
}

provider "airbyte" {
  server_url    = var.airbyte_server_url
  client_id     = var.airbyte_client_id
  client_secret = var.airbyte_client_secret
}
