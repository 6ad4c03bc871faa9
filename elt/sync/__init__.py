"""Ingestion: landing files into RAW in Airbyte's layout (the embedded sync locally, Airbyte in the cloud)."""

from elt.sync._airbyte import AirbyteJobError, AirbyteSync, AirbyteSyncError
from elt.sync._embedded import EmbeddedSync
from elt.sync._result import FileProblem, JobFigures, LoadedFile, SyncResult

__all__ = [
    "AirbyteJobError",
    "AirbyteSync",
    "AirbyteSyncError",
    "EmbeddedSync",
    "FileProblem",
    "JobFigures",
    "LoadedFile",
    "SyncResult",
]
