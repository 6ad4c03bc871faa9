terraform {
  required_version = ">= 1.10"
  required_providers {
    snowflake = {
      source  = "Snowflake-Labs/snowflake"
      version = "~> 2.0"
    }
  }
}
