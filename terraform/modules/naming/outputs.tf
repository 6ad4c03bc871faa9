output "prefix" {
  description = "Lower-case prefix of AWS and Prefect names, e.g. elt-dev."
  value       = local.prefix
}

output "aws" {
  description = "AWS resource names."
  value = {
    lake_bucket       = "${local.prefix}-lake${local.bucket_suffix}"
    access_log_bucket = "${local.prefix}-access-logs${local.bucket_suffix}"
    ecr_repository    = "${var.project}/flows-${var.env}"
    kms_alias         = "alias/${local.prefix}-lake"
    worker_role       = "${local.prefix}-prefect-worker"
    flow_run_role     = "${local.prefix}-flow-run"
    airbyte_role      = "${local.prefix}-airbyte-reader"
    landing_rule      = "${local.prefix}-landing-object-created"
  }
}

output "kubernetes" {
  description = "Namespace and service accounts the Helm chart must use (IRSA trusts exactly these)."
  value = {
    namespace = local.prefix
    service_accounts = {
      worker   = "prefect-worker"
      flow_run = "elt-flow-run"
    }
  }
}

output "snowflake" {
  description = "Snowflake object names and warehouse sizing."
  value = {
    database = local.upper
    warehouses = {
      for workload, s in local.sizing[var.env] : workload => merge(s, {
        name    = "${local.upper}_${upper(workload)}_WH"
        monitor = "${local.upper}_${upper(workload)}_RM"
      })
    }
    roles = { for r in local.roles : r => "${local.upper}_${r}" }
    users = { for r in local.roles : r => "${local.upper}_${r}_SVC" }
  }
}

output "prefect" {
  description = "Prefect names."
  value = {
    work_pool      = "${local.prefix}-kubernetes"
    slack_block    = "${local.prefix}-slack"
    lake_block     = "${local.prefix}-lake"
    snowflake_key  = "${local.prefix}-snowflake-transformer-key"
    landing_hook   = "${local.prefix}-landing"
    landing_event  = "elt.landing.object-created"
    elt_deployment = "elt"
  }
}

output "airbyte" {
  description = "Airbyte names."
  value = {
    source      = "${local.prefix}-landing-s3"
    destination = "${local.prefix}-snowflake-raw"
    connection  = "${local.prefix}-landing-to-raw"
  }
}

output "raw_zone_lifecycle" {
  description = "Lifecycle of the lake's raw zone, in days (null: never)."
  value       = local.raw_zone[var.env]
}

output "tags" {
  description = "Tags for cost allocation on every taggable resource."
  value = {
    project     = var.project
    environment = var.env
    managed-by  = "terraform"
  }
}
