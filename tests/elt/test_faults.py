"""The retry policy: a transient fault is worth another try, a permanent one is explained and never retried."""

from __future__ import annotations

import errno
import getpass
import os
from pathlib import Path

import duckdb
import httpx
import pytest

from elt.faults import PermanentFaultError, explain, is_transient

WAREHOUSE = "/data/warehouse.duckdb"


def _duckdb_io(message: str) -> duckdb.IOException:
    """DuckDB's error as it raised it on this machine (the messages were recorded from real failures)."""
    return duckdb.IOException(message)


def _wrapped(error: BaseException) -> RuntimeError:
    try:
        raise RuntimeError("the task failed") from error
    except RuntimeError as wrapper:
        return wrapper


TRANSIENT = {
    "duckdb lock": _duckdb_io(
        f'IO Error: Could not set lock on file "{WAREHOUSE}": Conflicting lock is held in python (PID 8903)'
    ),
    "connection reset": ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
    "timeout": TimeoutError("timed out"),
    "http 503": httpx.HTTPStatusError(
        "Server error '503 Service Unavailable' for url 'http://airbyte/jobs'",
        request=httpx.Request("GET", "http://airbyte/jobs"),
        response=httpx.Response(503),
    ),
    "busy": OSError(errno.EBUSY, "Device or resource busy"),
    "wrapped lock": _wrapped(_duckdb_io(f'IO Error: Could not set lock on file "{WAREHOUSE}": Conflicting lock')),
}

PERMANENT = {
    "immutable": (
        _duckdb_io(f'IO Error: Cannot open file "{WAREHOUSE}": Operation not permitted'),
        f"{WAREHOUSE} is not writable (Operation not permitted): make it writable by user {getpass.getuser()}",
    ),
    "permission": (
        PermissionError(errno.EACCES, "Permission denied", "/data/lake/sales/1.csv"),
        "/data/lake/sales/1.csv is not writable (Permission denied): make it writable by user",
    ),
    "read-only fs": (
        _duckdb_io(f'IO Error: Cannot open file "{WAREHOUSE}": Read-only file system'),
        f"{WAREHOUSE} is on a read-only file system: mount it read-write, or set ELT_DATA_DIR",
    ),
    "disk full": (
        duckdb.TransactionException(
            f'TransactionContext Error: Failed to commit: Could not write file "{WAREHOUSE}": No space left on device'
        ),
        f"no space left for {WAREHOUSE} (No space left on device): free space on its disk, or set ELT_DATA_DIR",
    ),
    "disk full, os": (
        OSError(errno.ENOSPC, "No space left on device", "/data/lake/x"),
        "no space left for /data/lake/x",
    ),
    "wrapped permission": (
        _wrapped(PermissionError(errno.EACCES, "Permission denied", "/data/gx")),
        "/data/gx is not writable (Permission denied)",
    ),
}


@pytest.mark.parametrize("error", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_a_transient_fault_is_worth_a_retry_and_needs_no_explaining(error: BaseException) -> None:
    assert is_transient(error)
    assert explain(error) is None


@pytest.mark.parametrize(("error", "fix"), PERMANENT.values(), ids=PERMANENT.keys())
def test_a_permanent_fault_is_not_retried_and_says_what_to_fix(error: BaseException, fix: str) -> None:
    assert not is_transient(error)
    assert fix in str(explain(error))
    assert not is_transient(PermanentFaultError("explained")), "nor is its explanation"


@pytest.mark.parametrize(
    "error",
    [ValueError("contract: sales.quantity must be an integer"), KeyError("sale_id"), duckdb.CatalogException("x")],
    ids=["contract", "bug", "schema"],
)
def test_a_fault_of_the_code_or_the_data_is_not_retried_and_keeps_its_message(error: BaseException) -> None:
    assert not is_transient(error)
    assert explain(error) is None


def test_real_duckdb_faults_on_the_warehouse_file_are_explained(tmp_path: Path) -> None:
    directory = tmp_path / "dir.duckdb"
    directory.mkdir()
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(os.urandom(8192))
    faults = []
    for path in (directory, corrupt):
        with pytest.raises(duckdb.IOException) as failed:
            duckdb.connect(str(path))
        faults.append(failed.value)

    assert [str(explain(fault)) for fault in faults] == [
        f"{directory} is a directory where a file belongs: move it away",
        f"{corrupt} is not a database this DuckDB can open (not a valid DuckDB database file): restore it from a"
        " backup, or move it aside to start a new warehouse (the lake's files are ingested again)",
    ]
    assert not any(is_transient(fault) for fault in faults)
