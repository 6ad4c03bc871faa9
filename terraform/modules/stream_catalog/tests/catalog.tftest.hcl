# Evaluates the real catalogue offline.

variables {
  catalog_path = "../../../airbyte/catalog.yml"
}

run "every_stream_is_mapped" {
  command = plan

  assert {
    condition     = length(output.connection_streams) == length(yamldecode(file(var.catalog_path)).streams)
    error_message = "a catalogue stream is missing from the connection streams"
  }

  assert {
    condition     = alltrue([for s in output.connection_streams : contains(["full_refresh_overwrite", "incremental_append", "incremental_deduped_history"], s.sync_mode)])
    error_message = "a sync mode is not one the Airbyte API accepts"
  }

  assert {
    condition     = alltrue([for s in output.connection_streams : s.sync_mode == "full_refresh_overwrite" || try(length(s.cursor_field), 0) == 1])
    error_message = "an incremental stream has no cursor"
  }

  assert {
    condition     = alltrue([for s in output.source_streams : s.schemaless || s.input_schema != null])
    error_message = "a tabular stream has no input schema"
  }

  assert {
    condition     = contains(["ignore", "disable_connection"], output.non_breaking_schema_updates_behavior)
    error_message = "the connection's schema change setting is not one undeclared_columns maps to"
  }
}

run "rejects_missing_catalogue" {
  command = plan

  variables {
    catalog_path = "does-not-exist.yml"
  }

  expect_failures = [var.catalog_path]
}
