variable "project" {
  description = "Short project name; the first part of every resource name."
  type        = string
  default     = "elt"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.project))
    error_message = "project must be 2-20 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "env" {
  description = "Environment: dev or prod."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.env)
    error_message = "env must be dev or prod."
  }
}

variable "bucket_suffix" {
  description = "Makes S3 bucket names globally unique, e.g. the AWS account id. Empty for none."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[a-z0-9-]{0,20}$", var.bucket_suffix))
    error_message = "bucket_suffix must be at most 20 lower-case letters, digits or dashes."
  }
}
