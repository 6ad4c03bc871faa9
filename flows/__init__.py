"""Prefect flows: orchestration only; they call tasks and hold no SQL."""
