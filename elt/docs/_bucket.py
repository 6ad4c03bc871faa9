"""The docs site in a bucket: where a cloud deployment's Data Docs and dbt docs are read over https.

A worker's disk is gone with its pod, and nobody reads it; the lake bucket (its prefect-aws ``S3Bucket`` block,
credentials from the pod's role) keeps the site under ``docs/``, and ``ELT_DOCS_URL`` names where it is served
(the bucket's website endpoint, or a CDN in front of it). Each build copies what it changed: its own folder,
the front page listing every build, the stylesheet, and the dbt docs when they were generated.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING

from elt.docs._pages import STYLESHEET_NAME
from elt.docs._site_index import write_site_index

if TYPE_CHECKING:
    from prefect_aws import S3Bucket

    from elt.settings import Settings

# The site's folder in the bucket, below the block's own bucket_folder.
BUCKET_FOLDER = "docs"


def host_docs(settings: Settings, build: str) -> list[str]:
    """Where ``ELT_DOCS_BUCKET_BLOCK`` names a bucket, copy ``build``'s part of the site into it; else nothing: the
    site is served from its folder (``elt docs serve``)."""
    if not settings.docs_bucket_block:
        return []
    from prefect_aws import S3Bucket

    return host_in_bucket(settings.docs_dir, build, S3Bucket.load(settings.docs_bucket_block))


def host_in_bucket(root: Path, build: str, bucket: S3Bucket) -> list[str]:
    """Copy the site's files of ``build`` (and the pages every build shares) into ``bucket``; their keys."""
    write_site_index(root)
    files = [root / "index.html", root / STYLESHEET_NAME, *_files(root / "gx" / build), *_files(root / "dbt")]
    return [_upload(bucket, root, path) for path in files if path.is_file()]


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def _upload(bucket: S3Bucket, root: Path, path: Path) -> str:
    """One file, with the content type a browser needs to show it rather than download it."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    key = f"{BUCKET_FOLDER}/{path.relative_to(root).as_posix()}"
    return bucket.upload_from_path(str(path), key, ExtraArgs={"ContentType": content_type})
