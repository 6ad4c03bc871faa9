variable "names" {
  description = "The prefect output of the naming module."
  type = object({
    work_pool      = string
    slack_block    = string
    lake_block     = string
    snowflake_key  = string
    landing_hook   = string
    landing_event  = string
    elt_deployment = string
  })
}

variable "work_pool_concurrency_limit" {
  description = "Most flow runs the Kubernetes pool runs at once."
  type        = number
  default     = 10
}

variable "elt_flow_name" {
  description = "Name of the flow behind the elt deployment (created by `prefect deploy` from prefect.yaml)."
  type        = string
  default     = "elt"
}

variable "landing_trigger_enabled" {
  description = "Create the landed-file trigger. It looks the elt deployment up, so the first apply (before `prefect deploy`) sets this to false."
  type        = bool
  default     = true
}

variable "elt_trigger_parameters" {
  description = "Parameters of the run a landed file starts; values may template the event, e.g. \"{{ event.payload.key }}\"."
  type        = map(string)
  default     = {}
}

variable "lake_bucket" {
  description = "Lake bucket name, stored in the lake block."
  type        = string
}

variable "landing_prefix" {
  description = "Prefix where files land in the lake bucket."
  type        = string
}

variable "slack_webhook_url" {
  description = "Slack incoming-webhook URL the automations post to."
  type        = string
  sensitive   = true
}

variable "snowflake_transformer_private_key" {
  description = "PEM private key of the TRANSFORMER service user, stored in a Prefect Secret block."
  type        = string
  sensitive   = true
}
