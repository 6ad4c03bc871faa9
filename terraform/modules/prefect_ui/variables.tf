variable "api_url" {
  description = "Prefect API URL, as the provider is given it."
  type        = string
}

variable "account_id" {
  description = "Prefect Cloud account id."
  type        = string
}

variable "workspace_id" {
  description = "Prefect Cloud workspace id."
  type        = string
}

variable "ui_url" {
  description = "The UI's address where it is not the one derived from the API URL. Empty: derived."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^(https?://\\S+)?$", var.ui_url))
    error_message = "ui_url must be an http(s) address, or empty."
  }
}
