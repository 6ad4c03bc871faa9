variable "names" {
  description = "The airbyte output of the naming module."
  type = object({
    source      = string
    destination = string
    connection  = string
  })
}

variable "catalog_path" {
  description = "Path of the stream catalogue, airbyte/catalog.yml: the only place streams are declared."
  type        = string
}

variable "workspace_id" {
  description = "Airbyte workspace id."
  type        = string
}

variable "lake_bucket" {
  description = "Lake bucket whose landing zone Airbyte reads."
  type        = string
}

variable "aws_region" {
  description = "Region of the lake bucket."
  type        = string
}

variable "reader_role_arn" {
  description = "IAM role Airbyte assumes to read the landing zone (no static AWS keys)."
  type        = string
}

variable "start_date" {
  description = "Files modified before this instant are not read."
  type        = string
  default     = "2024-01-01T00:00:00.000000Z"
}

variable "snowflake" {
  description = "Where the LOADER writes: host, database, warehouse, role and user."
  type = object({
    host      = string
    database  = string
    warehouse = string
    role      = string
    username  = string
  })
}

variable "loader_private_key" {
  description = "PEM private key of the LOADER service user."
  type        = string
  sensitive   = true
}
