# The only file that differs between environments: its name and its state.
# bucket and region of the state come from backend.hcl (see backend.hcl.example):
#   terraform init -backend-config=backend.hcl

locals {
  env = "prod"
}

terraform {
  backend "s3" {
    key          = "elt/prod/terraform.tfstate"
    encrypt      = true
    use_lockfile = true # S3-native state locking; no DynamoDB table needed
  }
}
