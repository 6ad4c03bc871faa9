# Names and sizes for one environment, computed without any provider so that
# `terraform validate` and `terraform test` check them offline. Every other
# module takes its names from here: nothing else spells a resource name.

terraform {
  required_version = ">= 1.10"
}

locals {
  prefix = "${var.project}-${var.env}"
  upper  = upper(replace(local.prefix, "-", "_"))

  # Sizing per environment. Dev runs on the smallest warehouses with tight
  # quotas; prod gets room for the transform workload, which does most work.
  # auto_suspend is in seconds: short for batch workloads, longer for BI so its
  # result cache stays warm between dashboard clicks.
  sizing = {
    dev = {
      loading      = { size = "XSMALL", auto_suspend = 60, credit_quota = 10 }
      transforming = { size = "XSMALL", auto_suspend = 60, credit_quota = 20 }
      reporting    = { size = "XSMALL", auto_suspend = 60, credit_quota = 10 }
    }
    prod = {
      loading      = { size = "SMALL", auto_suspend = 60, credit_quota = 60 }
      transforming = { size = "MEDIUM", auto_suspend = 60, credit_quota = 240 }
      reporting    = { size = "SMALL", auto_suspend = 300, credit_quota = 120 }
    }
  }

  # Raw-zone lifecycle per environment (days). The raw zone is what a rerun
  # replays, so prod never expires it; dev throws old batches away.
  raw_zone = {
    dev  = { infrequent_access_after = 30, glacier_after = null, expire_after = 90, noncurrent_expire_after = 7 }
    prod = { infrequent_access_after = 30, glacier_after = 90, expire_after = null, noncurrent_expire_after = 30 }
  }

  roles = ["LOADER", "TRANSFORMER", "REPORTER"]

  bucket_suffix = var.bucket_suffix == "" ? "" : "-${var.bucket_suffix}"
}
