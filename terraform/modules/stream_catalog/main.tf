# Reads the stream catalogue (airbyte/catalog.yml) and derives what the Airbyte
# provider needs. Provider-free, so `terraform test` and the pytest suite can
# evaluate it offline. Streams are declared in the catalogue only: nothing
# here names a stream.

terraform {
  required_version = ">= 1.10"
}

locals {
  catalog = yamldecode(file(var.catalog_path))

  # Catalogue sync_mode -> the Airbyte API's ConnectionSyncModeEnum.
  sync_modes = {
    full_refresh_overwrite   = "full_refresh_overwrite"
    incremental_append       = "incremental_append"
    incremental_append_dedup = "incremental_deduped_history"
  }

  # The S3 source's input_schema takes plain JSON types; dates and timestamps
  # arrive as strings and are typed in staging.
  json_types = {
    integer                    = "integer"
    number                     = "number"
    boolean                    = "boolean"
    string                     = "string"
    date                       = "string"
    timestamp_without_timezone = "string"
    timestamp_with_timezone    = "string"
  }

  formats = {
    csv   = { csv_format = {} }
    jsonl = { jsonl_format = {} }
  }

  streams = { for s in local.catalog.streams : s.name => s }

  # "<stream>.<field>" => type of every field declared with one; a foreign key
  # (`references: customers.customer_id`) takes the type of the field it names.
  declared_types = merge([
    for s in local.catalog.streams : { for f in try(s.fields, []) : "${s.name}.${f.name}" => f.type if can(f.type) }
  ]...)

  connection_streams = [
    for name, s in local.streams : {
      name         = name
      sync_mode    = local.sync_modes[s.sync_mode]
      cursor_field = can(s.cursor_field) ? [s.cursor_field] : null
      primary_key  = [for k in try(s.primary_key, []) : [k]]
    }
  ]

  # The catalogue's undeclared_columns -> the connection's non-breaking schema change setting. Airbyte sets it
  # per connection, not per stream: one stream with `fail` disables the connection on such a change, as the
  # embedded sync stops that stream; otherwise `ignore`. (The S3 source reads each CSV stream with its
  # input_schema, so a new column in a file is no schema change Airbyte detects: the setting covers what it
  # does detect. `propagate` is not offered: the marts' enforced contracts would have to follow each source.)
  non_breaking_schema_updates_behavior = anytrue([
    for s in local.catalog.streams : try(s.undeclared_columns, "ignore") == "fail"
  ]) ? "disable_connection" : "ignore"

  source_streams = [
    for name, s in local.streams : {
      name   = name
      globs  = ["${local.catalog.source.root}/${s.path_pattern}"]
      format = local.formats[s.format]
      # Document streams keep each record whole in _airbyte_data (parsed later
      # by the parsing contract), so they are read schemaless.
      schemaless   = try(s.document, false)
      input_schema = try(s.document, false) ? null : jsonencode({ for f in s.fields : f.name => local.json_types[try(f.type, local.declared_types[f.references])] })
      primary_key  = join(",", try(s.primary_key, []))
    }
  ]
}
