output "connection_id" {
  description = "The connection Prefect triggers."
  value       = airbyte_connection.landing_to_raw.connection_id
}
