output "database" {
  description = "Database name."
  value       = snowflake_database.this.name
}

output "schemas" {
  description = "Schema names by layer."
  value       = { for k, s in snowflake_schema.this : k => s.name }
}

output "warehouses" {
  description = "Warehouse names by workload."
  value       = { for k, w in snowflake_warehouse.this : k => w.name }
}

output "roles" {
  description = "Role names by function."
  value       = { for k, r in snowflake_account_role.this : k => r.name }
}

output "users" {
  description = "Service user names by role."
  value       = { for k, u in snowflake_service_user.this : k => u.name }
}
