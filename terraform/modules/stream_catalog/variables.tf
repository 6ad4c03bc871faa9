variable "catalog_path" {
  description = "Path of the stream catalogue, airbyte/catalog.yml."
  type        = string

  validation {
    condition     = fileexists(var.catalog_path)
    error_message = "catalog_path does not point at a file."
  }
}
