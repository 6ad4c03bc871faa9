output "lake_bucket" {
  description = "Name of the lake bucket."
  value       = aws_s3_bucket.lake.id
}

output "kms_key_arn" {
  description = "ARN of the lake key."
  value       = aws_kms_key.lake.arn
}

output "ecr_repository_url" {
  description = "Where CI pushes the flow image."
  value       = aws_ecr_repository.flows.repository_url
}

output "irsa_role_arns" {
  description = "Role ARNs for the eks.amazonaws.com/role-arn annotation of the worker and flow-run service accounts."
  value       = { for k, r in aws_iam_role.irsa : k => r.arn }
}

output "airbyte_role_arn" {
  description = "Role Airbyte assumes to read the landing zone."
  value       = aws_iam_role.airbyte.arn
}

output "landing_dead_letter_queue" {
  description = "Events that could not reach Prefect."
  value       = aws_sqs_queue.landing_dlq.url
}
