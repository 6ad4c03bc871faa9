output "lake_bucket" {
  description = "Set ELT_ lake settings and the landing location from this."
  value       = module.aws.lake_bucket
}

output "docs_bucket_block" {
  description = "ELT_DOCS_BUCKET_BLOCK of the flow runs: the lake's S3Bucket block; each build's Data Docs are copied under docs/ of the bucket, for ELT_DOCS_URL to serve."
  value       = module.naming.prefect.lake_block
}

output "ecr_repository_url" {
  description = "Where CI pushes the flow image."
  value       = module.aws.ecr_repository_url
}

output "kubernetes" {
  description = "Namespace, service accounts and their IRSA role ARNs for the Helm values."
  value = merge(module.naming.kubernetes, {
    role_arns = module.aws.irsa_role_arns
  })
}

output "work_pool" {
  description = "Prefect work pool the worker polls."
  value       = module.prefect.work_pool
}

output "prefect_ui_url" {
  description = "The Prefect UI's address: the Helm chart's prefect.uiUrl (PREFECT_UI_URL), and a self-hosted server's PREFECT_UI_URL."
  value       = module.prefect_ui.url
}

output "airbyte_connection_id" {
  description = "Connection the ingest task triggers."
  value       = module.airbyte.connection_id
}

output "snowflake" {
  description = "Database, warehouses, roles and users."
  value = {
    database   = module.snowflake.database
    warehouses = module.snowflake.warehouses
    roles      = module.snowflake.roles
    users      = module.snowflake.users
  }
}
