output "work_pool" {
  description = "Name of the Kubernetes work pool."
  value       = prefect_work_pool.kubernetes.name
}

output "landing_webhook_endpoint" {
  description = "URL EventBridge posts landed-file events to."
  value       = prefect_webhook.landing.endpoint
  sensitive   = true
}

output "block_ids" {
  description = "Block ids by purpose."
  value       = { for k, b in prefect_block.this : k => b.id }
}
