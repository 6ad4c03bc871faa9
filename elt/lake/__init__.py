"""The lake: where landed files are kept, immutable, per batch (a folder locally, an S3 bucket in the cloud)."""

from elt.lake._local import LandedFile, LocalLake, UndecodableFileError, scan_file

__all__ = ["LandedFile", "LocalLake", "UndecodableFileError", "scan_file"]
