# Shared by envs/dev and envs/prod (symlinked there). Secrets are sensitive and
# have no default: export them as TF_VAR_<name>, never write them to a file.

# ---- AWS ------------------------------------------------------------------------

variable "aws_region" {
  description = "Region of the lake bucket, the image repository and the event rule."
  type        = string
}

variable "bucket_suffix" {
  description = "Makes bucket names globally unique, e.g. the AWS account id."
  type        = string
  default     = ""
}

variable "oidc_provider_arn" {
  description = "ARN of the Kubernetes cluster's IAM OIDC provider (for IRSA)."
  type        = string
}

variable "oidc_issuer" {
  description = "The cluster's OIDC issuer host and path, without https://."
  type        = string
}

# ---- Snowflake ----------------------------------------------------------------

variable "snowflake_organization_name" {
  description = "Snowflake organization name."
  type        = string
}

variable "snowflake_account_name" {
  description = "Snowflake account name."
  type        = string
}

variable "snowflake_admin_user" {
  description = "User Terraform connects as (key-pair authentication)."
  type        = string
}

variable "snowflake_admin_role" {
  description = "Role Terraform uses."
  type        = string
  default     = "ACCOUNTADMIN"
}

variable "snowflake_admin_private_key" {
  description = "PEM private key of snowflake_admin_user."
  type        = string
  sensitive   = true
}

variable "snowflake_public_keys" {
  description = "Public keys of the LOADER, TRANSFORMER and REPORTER service users (public: safe in tfvars)."
  type        = map(string)
}

variable "snowflake_loader_private_key" {
  description = "PEM private key of the LOADER service user, handed to the Airbyte destination."
  type        = string
  sensitive   = true
}

variable "snowflake_transformer_private_key" {
  description = "PEM private key of the TRANSFORMER service user, stored in a Prefect Secret block."
  type        = string
  sensitive   = true
}

# ---- Prefect ------------------------------------------------------------------

variable "prefect_api_url" {
  description = "Prefect API URL."
  type        = string
  default     = "https://api.prefect.cloud"
}

variable "prefect_ui_url" {
  description = "Prefect UI address, where it is not the one derived from prefect_api_url (Prefect Cloud's, or the API URL without /api)."
  type        = string
  default     = ""
}

variable "prefect_account_id" {
  description = "Prefect Cloud account id."
  type        = string
}

variable "prefect_workspace_id" {
  description = "Prefect Cloud workspace id of this environment."
  type        = string
}

variable "prefect_api_key" {
  description = "Prefect API key (Terraform, and the bearer token EventBridge sends to the webhook)."
  type        = string
  sensitive   = true
}

variable "prefect_elt_flow_name" {
  description = "Flow name of the elt deployment that prefect.yaml ships."
  type        = string
  default     = "elt"
}

variable "landing_trigger_enabled" {
  description = "False on the very first apply, before `prefect deploy` has created the elt deployment."
  type        = bool
  default     = true
}

variable "slack_webhook_url" {
  description = "Slack incoming-webhook URL for the automations."
  type        = string
  sensitive   = true
}

# ---- Airbyte ------------------------------------------------------------------

variable "airbyte_server_url" {
  description = "Airbyte API URL (Cloud or a self-managed instance's /api/public/v1)."
  type        = string
  default     = "https://api.airbyte.com/v1"
}

variable "airbyte_client_id" {
  description = "Airbyte application client id."
  type        = string
}

variable "airbyte_client_secret" {
  description = "Airbyte application client secret."
  type        = string
  sensitive   = true
}

variable "airbyte_workspace_id" {
  description = "Airbyte workspace id; also the external id Airbyte presents to AWS."
  type        = string
}

variable "airbyte_principal_arn" {
  description = "AWS principal Airbyte assumes the reader role from."
  type        = string
}
