terraform {
  required_version = ">= 1.10"
  required_providers {
    airbyte = {
      source  = "airbytehq/airbyte"
      version = "~> 0.13"
    }
  }
}
