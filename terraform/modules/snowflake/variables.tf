variable "names" {
  description = "The snowflake output of the naming module."
  type = object({
    database = string
    warehouses = map(object({
      name         = string
      monitor      = string
      size         = string
      auto_suspend = number
      credit_quota = number
    }))
    roles = map(string)
    users = map(string)
  })
}

variable "rsa_public_keys" {
  description = "Public key (PEM body, no header) of each service user, by role. Private keys never reach Terraform here."
  type        = map(string)

  validation {
    condition     = alltrue([for r in ["LOADER", "TRANSFORMER", "REPORTER"] : contains(keys(var.rsa_public_keys), r)])
    error_message = "rsa_public_keys needs a key for LOADER, TRANSFORMER and REPORTER."
  }
}

variable "data_retention_days" {
  description = "Time Travel retention of the database, in days."
  type        = number
  default     = 1
}

variable "monitor_notify_users" {
  description = "Users notified when a resource monitor passes a notify threshold."
  type        = list(string)
  default     = []
}
