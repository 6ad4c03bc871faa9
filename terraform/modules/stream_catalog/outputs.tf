output "source_root" {
  description = "Prefix of the landing zone in the lake bucket."
  value       = local.catalog.source.root
}

output "source_streams" {
  description = "Streams for airbyte_source_s3.configuration.streams."
  value       = local.source_streams
}

output "non_breaking_schema_updates_behavior" {
  description = "For airbyte_connection: disable_connection when a stream's undeclared_columns is fail, else ignore."
  value       = local.non_breaking_schema_updates_behavior
}

output "connection_streams" {
  description = "Streams for airbyte_connection.configurations.streams: sync mode, cursor and primary key from the catalogue."
  value       = local.connection_streams
}
