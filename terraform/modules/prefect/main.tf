# The Kubernetes work pool, the blocks flows load (the Slack block included) and
# the deployment trigger that turns a landed file into an elt run. The elt
# deployment itself is shipped by `prefect deploy` (prefect.yaml) and looked up here.
# The Slack automations are written once, in Python (elt/workspace/_automations.py),
# and applied by `elt prefect apply` after this module: one owner, no drift.

locals {
  # One base job template for the CLI, the Helm chart and Terraform.
  base_job_template_path = "${path.module}/../../../helm/elt-worker/files/base-job-template.json"

  blocks = {
    slack = {
      name = var.names.slack_block
      type = "slack-incoming-webhook" # prefect-slack's SlackWebhook: it posts where the apprise one did not
      data = { url = var.slack_webhook_url }
    }
    lake = {
      name = var.names.lake_block
      type = "s3-bucket" # credentials come from the pod's IRSA role
      data = { bucket_name = var.lake_bucket }
    }
    snowflake_key = {
      name = var.names.snowflake_key
      type = "secret"
      data = { value = var.snowflake_transformer_private_key }
    }
  }
}

resource "prefect_work_pool" "kubernetes" {
  name              = var.names.work_pool
  type              = "kubernetes"
  paused            = false
  concurrency_limit = var.work_pool_concurrency_limit
  base_job_template = file(local.base_job_template_path)
}

resource "prefect_block" "this" {
  for_each = local.blocks

  name      = each.value.name
  type_slug = each.value.type
  data      = jsonencode(each.value.data)
}

# The S3 -> EventBridge -> webhook leg ends here: the webhook turns the
# EventBridge body into a Prefect event about the landed object.
resource "prefect_webhook" "landing" {
  name        = var.names.landing_hook
  description = "S3 object-created events from EventBridge."
  enabled     = true
  template = jsonencode({
    event = var.names.landing_event
    resource = {
      "prefect.resource.id"   = "aws.s3.{{ body.detail.bucket.name }}/{{ body.detail.object.key }}"
      "prefect.resource.name" = "{{ body.detail.object.key }}"
    }
    payload = {
      bucket = "{{ body.detail.bucket.name }}"
      key    = "{{ body.detail.object.key }}"
      size   = "{{ body.detail.object.size }}"
    }
  })
}

data "prefect_deployment" "elt" {
  count = var.landing_trigger_enabled ? 1 : 0

  name      = var.names.elt_deployment
  flow_name = var.elt_flow_name
}

# Deployment trigger: a landed file starts the elt deployment. Files of one
# drop arrive together; the flow is idempotent, so an extra run changes nothing.
resource "prefect_automation" "elt_on_landing" {
  count = var.landing_trigger_enabled ? 1 : 0

  name        = "${var.names.elt_deployment}-on-landing"
  description = "Runs ${var.names.elt_deployment} when a file lands in ${var.landing_prefix}."
  enabled     = true

  trigger = {
    event = {
      posture   = "Reactive"
      expect    = [var.names.landing_event]
      match     = jsonencode({ "prefect.resource.id" = "aws.s3.${var.lake_bucket}/${var.landing_prefix}*" })
      threshold = 1
      within    = 60
    }
  }

  actions = [{
    type          = "run-deployment"
    source        = "selected"
    deployment_id = data.prefect_deployment.elt[0].id
    parameters    = jsonencode(var.elt_trigger_parameters)
  }]
}
