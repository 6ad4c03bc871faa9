"""Another process holding a warehouse file, as a BI tool or a second run would: for as long as the test says."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_HOLD = """
import sys
from pathlib import Path

mode, path = sys.argv[1:3]
if mode == "run_lock":
    from elt.warehouse import DuckDBWarehouse

    held = DuckDBWarehouse(Path(path)).run_lock(0)
    held.__enter__()
else:
    import duckdb

    con = duckdb.connect(path, read_only=mode == "read_only")
    con.execute("select 1").fetchall()
print("holding", flush=True)
sys.stdin.read()  # until the test closes our stdin
"""

Mode = Literal["read_only", "read_write", "run_lock"]


class Holder:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    @property
    def pid(self) -> int:
        return self.process.pid

    def release(self) -> None:
        """Let go (the process exits), once; later calls do nothing."""
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        self.process.wait(timeout=60)


@contextmanager
def holding(mode: Mode, warehouse: Path) -> Iterator[Holder]:
    """A process holding ``warehouse`` read-only, read-write, or its run lock, until ``release`` or the block ends."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD, mode, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    holder = Holder(process)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "holding", f"the holder did not take {warehouse}: exit {process.wait()}"
        yield holder
    finally:
        if process.poll() is None:
            holder.release()
