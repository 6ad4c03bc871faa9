# The S3 source, the Snowflake destination and the connection, all built from
# the stream catalogue through the provider-free stream_catalog module.

module "catalog" {
  source       = "../stream_catalog"
  catalog_path = var.catalog_path
}

resource "airbyte_source_s3" "landing" {
  name         = var.names.source
  workspace_id = var.workspace_id
  configuration = {
    bucket      = var.lake_bucket
    region_name = var.aws_region
    role_arn    = var.reader_role_arn
    start_date  = var.start_date
    streams = [
      for s in module.catalog.source_streams : {
        name              = s.name
        globs             = s.globs
        format            = s.format
        schemaless        = s.schemaless
        input_schema      = s.input_schema
        primary_key       = s.primary_key
        validation_policy = "Emit Record"
      }
    ]
  }
}

resource "airbyte_destination_snowflake" "raw" {
  name         = var.names.destination
  workspace_id = var.workspace_id
  configuration = {
    host      = var.snowflake.host
    database  = var.snowflake.database
    warehouse = var.snowflake.warehouse
    role      = var.snowflake.role
    username  = var.snowflake.username
    # LOADER may write RAW only, so Airbyte's raw tables live there too.
    schema          = "RAW"
    raw_data_schema = "RAW"
    credentials = {
      key_pair_authentication = {
        private_key = var.loader_private_key
      }
    }
  }
}

resource "airbyte_connection" "landing_to_raw" {
  name                                 = var.names.connection
  source_id                            = airbyte_source_s3.landing.source_id
  destination_id                       = airbyte_destination_snowflake.raw.destination_id
  namespace_definition                 = "destination"
  non_breaking_schema_updates_behavior = module.catalog.non_breaking_schema_updates_behavior # from undeclared_columns
  status                               = "active"

  # Prefect triggers each sync; Airbyte never runs one on its own.
  schedule = {
    schedule_type = "manual"
  }

  configurations = {
    streams = module.catalog.connection_streams
  }
}
