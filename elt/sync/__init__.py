"""Ingestion: landing files into RAW in Airbyte's layout (the embedded sync locally, Airbyte in the cloud)."""

from elt.sync._airbyte import AirbyteJobError, AirbyteSync, AirbyteSyncError
from elt.sync._embedded import EmbeddedSync
from elt.sync._job_details import JobDetails, config_api_root
from elt.sync._prefect import airbyte_sync
from elt.sync._result import FileProblem, JobFigures, LoadedFile, Sync, SyncResult, UndeclaredColumns

__all__ = [
    "AirbyteJobError",
    "AirbyteSync",
    "AirbyteSyncError",
    "EmbeddedSync",
    "FileProblem",
    "JobDetails",
    "JobFigures",
    "LoadedFile",
    "Sync",
    "SyncResult",
    "UndeclaredColumns",
    "airbyte_sync",
    "config_api_root",
]
