"""Prefect tasks: each one unit of work with its retries, calling the adapters chosen by the profile."""
