"""Ingestion: landing files into RAW in Airbyte's layout (the embedded sync locally, Airbyte in the cloud)."""

from elt.sync._embedded import EmbeddedSync
from elt.sync._result import FileProblem, LoadedFile, SyncResult

__all__ = ["EmbeddedSync", "FileProblem", "LoadedFile", "SyncResult"]
