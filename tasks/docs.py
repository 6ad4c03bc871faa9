"""The docs site where its readers are: a build's Data Docs copied to the bucket ELT_DOCS_BUCKET_BLOCK names."""

from __future__ import annotations

from prefect import get_run_logger, task

from elt.docs import host_docs
from elt.settings import Settings


@task(name="host-docs")
def host_build_docs(settings: Settings, build_schema: str) -> list[str]:
    """Copy the build's Data Docs, the front page and any dbt docs into the bucket; nothing without one.

    The gate's verdict stands on the warehouse, not on its pages: a bucket that refuses them (after the retries
    boto3 makes itself) is a warning, never a reason to hold back the publication; the next build copies the front
    page again.
    """
    try:
        keys = host_docs(settings, build_schema)
    except Exception as exc:  # any failure of the copy leaves the verdict as it is
        get_run_logger().warning("Data Docs of %s not copied to the bucket: %s", build_schema, exc)
        return []
    if keys:
        get_run_logger().info("Data Docs of %s copied to the bucket: %d files", build_schema, len(keys))
    return keys
