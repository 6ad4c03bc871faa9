"""The local lake: a folder whose raw zone keeps an immutable copy of every landed file, per batch."""

from __future__ import annotations

import codecs
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20


@dataclass(frozen=True)
class LandedFile:
    """A file as it was landed: its place in the landing folder, its copy in the lake, and what it holds."""

    stream: str
    relative_path: str
    lake_path: Path
    checksum: str
    records: int
    header: str | None


class UndecodableFileError(ValueError):
    """A file that is not valid in its declared encoding; DuckDB would quarantine or refuse it without saying where."""

    def __init__(self, path: Path, where: str) -> None:
        super().__init__(f"{path}: {where}")
        self.where = where


def scan_file(path: Path, *, has_header: bool, encoding: str | None = None) -> tuple[str, int, str | None]:
    """Return the file's sha256, its record count and its header line, streaming it once in chunks.

    Records are lines (a final line without a newline still counts), less the header for tabular files.
    With ``encoding``, the bytes are also decoded chunk by chunk; the first undecodable byte raises
    ``UndecodableFileError`` naming the file, the line and the byte offset.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)() if encoding else None
    newlines = 0
    offset = 0
    first_line = b""
    last_byte = b""
    seen_first_newline = False
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            if decoder:
                _decode(decoder, chunk, path=path, encoding=encoding or "", offset=offset, newlines=newlines)
            offset += len(chunk)
            newlines += chunk.count(b"\n")
            if not seen_first_newline:
                cut = chunk.find(b"\n")
                first_line += chunk if cut < 0 else chunk[:cut]
                seen_first_newline = cut >= 0
            last_byte = chunk[-1:]
    if decoder:
        _decode(decoder, b"", path=path, encoding=encoding or "", offset=offset, newlines=newlines, final=True)
    lines = newlines + (1 if last_byte not in (b"", b"\n") else 0)
    header = first_line.rstrip(b"\r").decode(encoding or "utf-8", errors="replace") if has_header and lines else None
    records = max(lines - 1, 0) if has_header else lines
    return digest.hexdigest(), records, header


def _decode(
    decoder: codecs.IncrementalDecoder,
    chunk: bytes,
    *,
    path: Path,
    encoding: str,
    offset: int,
    newlines: int,
    final: bool = False,
) -> None:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError as exc:
        # A sequence cut by the chunk boundary is decoded with the next chunk, so exc.start may be negative.
        at = offset + exc.start
        line = newlines + chunk[: max(exc.start, 0)].count(b"\n") + 1
        raise UndecodableFileError(path, f"line {line}, byte {at}: not valid {encoding} ({exc.reason})") from exc


class LocalLake:
    """Keeps landed files under ``<lake>/raw/<stream>/batch=<id>/``; a stored copy is never overwritten."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def raw_path(self, stream: str, batch_id: int, relative_path: str) -> Path:
        return self.root / "raw" / stream / f"batch={batch_id:06d}" / relative_path

    def store(self, source: Path, *, stream: str, batch_id: int, relative_path: str, checksum: str) -> Path:
        """Copy ``source`` into the raw zone atomically; a copy left by a crashed run is reused if identical."""
        target = self.raw_path(stream, batch_id, relative_path)
        if target.exists():
            existing, _, _ = scan_file(target, has_header=False)
            if existing != checksum:
                raise FileExistsError(f"{target}: the lake already holds a different file for this batch")
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        return target

    def newest_batch(self) -> int:
        """The highest batch id the raw zone holds a folder for, 0 when none."""
        folders = (self.root / "raw").glob("*/batch=*")
        return max((int(folder.name.removeprefix("batch=")) for folder in folders), default=0)
