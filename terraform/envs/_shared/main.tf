# Shared by envs/dev and envs/prod (symlinked there); each env sets local.env
# and its state key in env.tf. Everything env-specific is derived from
# local.env in the naming module.

locals {
  catalog_path   = "${path.root}/../../../airbyte/catalog.yml"
  landing_prefix = "${yamldecode(file(local.catalog_path)).source.root}/"
}

module "naming" {
  source        = "../../modules/naming"
  env           = local.env
  bucket_suffix = var.bucket_suffix
}

module "snowflake" {
  source          = "../../modules/snowflake"
  names           = module.naming.snowflake
  rsa_public_keys = var.snowflake_public_keys
}

module "aws" {
  source                 = "../../modules/aws"
  names                  = module.naming.aws
  kubernetes             = module.naming.kubernetes
  raw_zone_lifecycle     = module.naming.raw_zone_lifecycle
  oidc_provider_arn      = var.oidc_provider_arn
  oidc_issuer            = var.oidc_issuer
  landing_prefix         = local.landing_prefix
  airbyte_principal_arn  = var.airbyte_principal_arn
  airbyte_external_id    = var.airbyte_workspace_id
  event_endpoint         = module.prefect.landing_webhook_endpoint
  event_endpoint_api_key = var.prefect_api_key
}

module "prefect" {
  source                            = "../../modules/prefect"
  names                             = module.naming.prefect
  lake_bucket                       = module.naming.aws.lake_bucket
  landing_prefix                    = local.landing_prefix
  elt_flow_name                     = var.prefect_elt_flow_name
  landing_trigger_enabled           = var.landing_trigger_enabled
  slack_webhook_url                 = var.slack_webhook_url
  snowflake_transformer_private_key = var.snowflake_transformer_private_key
}

module "prefect_ui" {
  source       = "../../modules/prefect_ui"
  api_url      = var.prefect_api_url
  account_id   = var.prefect_account_id
  workspace_id = var.prefect_workspace_id
  ui_url       = var.prefect_ui_url
}

module "airbyte" {
  source          = "../../modules/airbyte"
  names           = module.naming.airbyte
  catalog_path    = local.catalog_path
  workspace_id    = var.airbyte_workspace_id
  lake_bucket     = module.aws.lake_bucket
  aws_region      = var.aws_region
  reader_role_arn = module.aws.airbyte_role_arn
  snowflake = {
    host      = "${var.snowflake_organization_name}-${var.snowflake_account_name}.snowflakecomputing.com"
    database  = module.snowflake.database
    warehouse = module.snowflake.warehouses["loading"]
    role      = module.snowflake.roles["LOADER"]
    username  = module.snowflake.users["LOADER"]
  }
  loader_private_key = var.snowflake_loader_private_key
}
