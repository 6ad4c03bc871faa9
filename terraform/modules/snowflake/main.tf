# Warehouses per workload with resource monitors, one database with the four
# layer schemas, three account roles with current and future grants, and one
# key-pair service user per role.

locals {
  schemas = toset(["RAW", "PARSED", "AUDIT", "ANALYTICS"])

  # The design's access matrix, written once: who reads and who writes each schema.
  # LOADER (Airbyte) writes RAW; TRANSFORMER (Prefect, dbt, Snowpark) reads RAW,
  # writes the rest and publishes; REPORTER (BI) reads ANALYTICS only.
  schema_access = {
    RAW       = { LOADER = "write", TRANSFORMER = "read" }
    PARSED    = { TRANSFORMER = "write" }
    AUDIT     = { TRANSFORMER = "write" }
    ANALYTICS = { TRANSFORMER = "write", REPORTER = "read" }
  }

  privileges = {
    read = {
      schema = ["USAGE"]
      TABLES = ["SELECT"]
      VIEWS  = ["SELECT"]
    }
    write = {
      schema = ["USAGE", "CREATE TABLE", "CREATE VIEW", "CREATE STAGE"]
      TABLES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"]
      VIEWS  = ["SELECT"]
    }
  }

  role_warehouse = {
    LOADER      = "loading"
    TRANSFORMER = "transforming"
    REPORTER    = "reporting"
  }

  # TRANSFORMER builds each audit run into a fresh schema and publishes by
  # swapping a standby schema with ANALYTICS, so it may create schemas; nobody else may.
  database_privileges = {
    LOADER      = ["USAGE"]
    TRANSFORMER = ["USAGE", "CREATE SCHEMA"]
    REPORTER    = ["USAGE"]
  }

  schema_grants = merge([
    for schema, roles in local.schema_access : {
      for role, level in roles : "${schema}/${role}" => { schema = schema, role = role, level = level }
    }
  ]...)

  future_grants = {
    for pair in setproduct(keys(local.schema_grants), ["TABLES", "VIEWS"]) :
    "${pair[0]}/${pair[1]}" => merge(local.schema_grants[pair[0]], { objects = pair[1] })
  }
}

resource "snowflake_resource_monitor" "this" {
  for_each = var.names.warehouses

  name                      = each.value.monitor
  credit_quota              = each.value.credit_quota
  notify_triggers           = [75, 90]
  suspend_trigger           = 100
  suspend_immediate_trigger = 110
  notify_users              = var.monitor_notify_users
}

resource "snowflake_warehouse" "this" {
  for_each = var.names.warehouses

  name                = each.value.name
  warehouse_size      = each.value.size
  auto_suspend        = each.value.auto_suspend
  auto_resume         = true
  initially_suspended = true
  resource_monitor    = snowflake_resource_monitor.this[each.key].name
  comment             = "Workload: ${each.key}."
}

resource "snowflake_database" "this" {
  name                        = var.names.database
  data_retention_time_in_days = var.data_retention_days
  comment                     = "Retail ELT: RAW -> PARSED -> AUDIT -> ANALYTICS."
}

resource "snowflake_schema" "this" {
  for_each = local.schemas

  database = snowflake_database.this.name
  name     = each.key
  # Managed access: only the schema owner grants, so object owners cannot widen access.
  with_managed_access = true
}

# Publishing swaps ANALYTICS with a standby schema TRANSFORMER builds (elt/warehouse/_snowflake.py), and
# ALTER SCHEMA ... SWAP WITH needs ownership of both: TRANSFORMER owns ANALYTICS. Current grants are copied,
# and the swap carries them; the publish replays them onto the standby before it swaps.
resource "snowflake_grant_ownership" "analytics" {
  account_role_name   = snowflake_account_role.this["TRANSFORMER"].name
  outbound_privileges = "COPY"
  on {
    object_type = "SCHEMA"
    object_name = snowflake_schema.this["ANALYTICS"].fully_qualified_name
  }
}

resource "snowflake_account_role" "this" {
  for_each = var.names.roles

  name    = each.value
  comment = "ELT role ${each.key}."
}

# Custom roles roll up to SYSADMIN so administrators can manage what they own.
resource "snowflake_grant_account_role" "to_sysadmin" {
  for_each = snowflake_account_role.this

  role_name        = each.value.name
  parent_role_name = "SYSADMIN"
}

resource "snowflake_grant_privileges_to_account_role" "database" {
  for_each = local.database_privileges

  account_role_name = snowflake_account_role.this[each.key].name
  privileges        = each.value
  on_account_object {
    object_type = "DATABASE"
    object_name = snowflake_database.this.name
  }
}

resource "snowflake_grant_privileges_to_account_role" "warehouse" {
  for_each = local.role_warehouse

  account_role_name = snowflake_account_role.this[each.key].name
  privileges        = ["USAGE", "OPERATE"]
  on_account_object {
    object_type = "WAREHOUSE"
    object_name = snowflake_warehouse.this[each.value].name
  }
}

resource "snowflake_grant_privileges_to_account_role" "schema" {
  for_each = local.schema_grants

  account_role_name = snowflake_account_role.this[each.value.role].name
  privileges        = local.privileges[each.value.level].schema
  on_schema {
    schema_name = snowflake_schema.this[each.value.schema].fully_qualified_name
  }
}

# Future grants: tables and views created later (by Airbyte, dbt or a publish)
# are readable or writable by the right roles without another apply.
resource "snowflake_grant_privileges_to_account_role" "future" {
  for_each = local.future_grants

  account_role_name = snowflake_account_role.this[each.value.role].name
  privileges        = local.privileges[each.value.level][each.value.objects]
  on_schema_object {
    future {
      object_type_plural = each.value.objects
      in_schema          = snowflake_schema.this[each.value.schema].fully_qualified_name
    }
  }
}

# Service users authenticate with key pairs only: a SERVICE user cannot have a password.
resource "snowflake_service_user" "this" {
  for_each = var.names.users

  name              = each.value
  default_role      = snowflake_account_role.this[each.key].name
  default_warehouse = snowflake_warehouse.this[local.role_warehouse[each.key]].name
  rsa_public_key    = var.rsa_public_keys[each.key]
  comment           = "Service user of the ${each.key} role."
}

resource "snowflake_grant_account_role" "to_user" {
  for_each = snowflake_service_user.this

  role_name = snowflake_account_role.this[each.key].name
  user_name = each.value.name
}
