# The address of the Prefect UI, for run links: the Helm chart's prefect.uiUrl
# (PREFECT_UI_URL of the worker and its flow runs). Prefect Cloud serves a
# workspace's UI at app.prefect.cloud; a self-hosted server beside its API,
# unless given (the server needs PREFECT_UI_URL too: it renders the Slack
# messages' links). Provider-free, so `terraform test` checks it offline.

terraform {
  required_version = ">= 1.10"
}

locals {
  cloud = startswith(var.api_url, "https://api.prefect.cloud")
  derived = (local.cloud
    ? "https://app.prefect.cloud/account/${var.account_id}/workspace/${var.workspace_id}"
    : trimsuffix(trimsuffix(var.api_url, "/"), "/api")
  )
}
