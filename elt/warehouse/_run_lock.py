"""One run at a time on a warehouse file: an exclusive ``flock`` on a lock file beside it.

DuckDB allows one writer per file, and two runs would also race on the batch ids, the lake copies and the
temporary Prefect server's database. The lock is taken before anything is written or started, so the run
that does not get it leaves nothing behind. The file holds the holder's pid and start time, which the
refused run prints. The kernel releases a ``flock`` when its holder exits, however it exits: a crashed run
never leaves a stale lock. The lock is re-entrant within one process: the CLI takes it before the flow
starts its temporary Prefect server, and the flow takes it again for the runs a deployment starts.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from time import monotonic, sleep

from elt.warehouse._base import WarehouseHeldError

_POLL_SECONDS = 0.5

_held: dict[Path, list[int]] = {}  # lock file -> [descriptor, depth], for this process
_guard = threading.Lock()


def holder(lock_file: Path) -> str:
    """Who holds (or last held) the lock, as written by its holder: ``pid 123, since 2026-11-24 13:05:01 UTC``."""
    try:
        record = json.loads(lock_file.read_text(encoding="utf-8"))
        return f"pid {record['pid']}, since {record['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "pid unknown: the holder is writing its name"


@contextmanager
def run_lock(lock_file: Path, wait_seconds: float | None) -> Iterator[None]:
    """Hold the lock for the block; wait up to ``wait_seconds`` for it (``None``: as long as it takes).

    Raises ``WarehouseHeldError`` naming the holder when the wait ends first.
    """
    key = lock_file.resolve()
    with _guard:
        if key in _held:
            _held[key][1] += 1
        else:
            _held[key] = [_acquire(key, wait_seconds), 1]
    try:
        yield
    finally:
        with _guard:
            _held[key][1] -= 1
            if _held[key][1] == 0:
                descriptor, _ = _held.pop(key)
                os.ftruncate(descriptor, 0)
                os.close(descriptor)  # releases the flock


def _acquire(lock_file: Path, wait_seconds: float | None) -> int:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = None if wait_seconds is None else monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if deadline is not None and monotonic() >= deadline:
                os.close(descriptor)
                raise WarehouseHeldError(f"another run holds the warehouse ({holder(lock_file)})") from None
            sleep(_POLL_SECONDS)
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, json.dumps({"pid": os.getpid(), "since": since}).encode(), 0)
    return descriptor
