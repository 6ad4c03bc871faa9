variable "names" {
  description = "The aws output of the naming module."
  type = object({
    lake_bucket       = string
    access_log_bucket = string
    ecr_repository    = string
    kms_alias         = string
    worker_role       = string
    flow_run_role     = string
    airbyte_role      = string
    landing_rule      = string
  })
}

variable "kubernetes" {
  description = "The kubernetes output of the naming module: the namespace and service accounts IRSA trusts."
  type = object({
    namespace        = string
    service_accounts = object({ worker = string, flow_run = string })
  })
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider (the cluster is brought by the user)."
  type        = string
}

variable "oidc_issuer" {
  description = "The cluster's OIDC issuer without https://, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC."
  type        = string
}

variable "landing_prefix" {
  description = "Prefix where source files land; an object created here triggers the elt deployment."
  type        = string
}

variable "raw_zone_prefix" {
  description = "Prefix of the lake's raw zone (immutable batches)."
  type        = string
  default     = "raw/"
}

variable "raw_zone_lifecycle" {
  description = "The raw_zone_lifecycle output of the naming module (days; null: never)."
  type = object({
    infrequent_access_after = number
    glacier_after           = number
    expire_after            = number
    noncurrent_expire_after = number
  })
}

variable "access_log_retention_days" {
  description = "Days S3 access logs are kept."
  type        = number
  default     = 365
}

variable "airbyte_principal_arn" {
  description = "AWS principal Airbyte assumes the reader role from (Airbyte Cloud's role, or the self-managed deployment's)."
  type        = string
}

variable "airbyte_external_id" {
  description = "External id Airbyte presents when assuming the reader role (Airbyte Cloud: the workspace id)."
  type        = string
}

variable "event_endpoint" {
  description = "HTTPS endpoint that turns an S3 object-created event into a Prefect event (the Prefect webhook)."
  type        = string
  sensitive   = true
}

variable "event_endpoint_api_key" {
  description = "Bearer token EventBridge sends to the endpoint (a Prefect API key)."
  type        = string
  sensitive   = true
}
