output "url" {
  description = "The Prefect UI's address (PREFECT_UI_URL)."
  value       = coalesce(var.ui_url, local.derived)
}
