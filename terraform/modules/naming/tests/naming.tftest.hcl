# Offline checks of naming and sizing: the module has no provider, so plan runs anywhere.

run "dev_names" {
  command = plan

  variables {
    env           = "dev"
    bucket_suffix = "123456789012"
  }

  assert {
    condition     = output.aws.lake_bucket == "elt-dev-lake-123456789012"
    error_message = "lake bucket name is not <project>-<env>-lake-<suffix>"
  }

  assert {
    condition     = length(output.aws.access_log_bucket) <= 63 && length(output.aws.lake_bucket) <= 63
    error_message = "S3 bucket names must fit in 63 characters"
  }

  assert {
    condition     = output.snowflake.database == "ELT_DEV"
    error_message = "database name is not upper-case <PROJECT>_<ENV>"
  }

  assert {
    condition     = output.snowflake.roles == { LOADER = "ELT_DEV_LOADER", TRANSFORMER = "ELT_DEV_TRANSFORMER", REPORTER = "ELT_DEV_REPORTER" }
    error_message = "role names are not <PROJECT>_<ENV>_<ROLE>"
  }

  assert {
    condition     = alltrue([for w in values(output.snowflake.warehouses) : w.size == "XSMALL"])
    error_message = "dev warehouses must be XSMALL"
  }

  assert {
    condition     = output.raw_zone_lifecycle.expire_after != null
    error_message = "dev must expire old raw batches"
  }
}

run "prod_is_bigger_than_dev" {
  command = plan

  variables {
    env = "prod"
  }

  assert {
    condition     = output.aws.lake_bucket == "elt-prod-lake"
    error_message = "without a suffix the bucket name has no trailing dash"
  }

  assert {
    condition     = output.snowflake.warehouses.transforming.size == "MEDIUM" && output.snowflake.warehouses.transforming.credit_quota > 20
    error_message = "prod transforming warehouse must be MEDIUM with a larger quota than dev"
  }

  assert {
    condition     = alltrue([for w in values(output.snowflake.warehouses) : w.auto_suspend > 0 && w.auto_suspend <= 600])
    error_message = "every warehouse must auto-suspend within 10 minutes"
  }

  assert {
    condition     = output.raw_zone_lifecycle.expire_after == null
    error_message = "prod must never expire the raw zone: reruns replay it"
  }
}

run "rejects_unknown_env" {
  command = plan

  variables {
    env = "staging"
  }

  expect_failures = [var.env]
}

run "rejects_bad_project" {
  command = plan

  variables {
    env     = "dev"
    project = "Bad_Name"
  }

  expect_failures = [var.project]
}
