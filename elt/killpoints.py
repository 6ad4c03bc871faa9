"""Named points where a run can be stopped dead, to prove that a crash anywhere is repaired by running again.

``ELT_KILL_AT=<point>`` makes the process SIGKILL itself the first time the run reaches that point: no
``finally``, no ``atexit``, no Prefect state change, as when a node is lost or the kernel's OOM killer strikes.
tests/reliability kills a run at every point of ``KillPoint`` in turn, then checks that the next run repairs it.
"""

from __future__ import annotations

import os
import signal
from enum import StrEnum

KILL_AT_VARIABLE = "ELT_KILL_AT"


class KillPoint(StrEnum):
    """Every stage boundary of the ``elt`` flow, in the order a run reaches them, and two inside a stage."""

    SYNC_FILE = "sync-file"  # inside the embedded sync: a stream of the batch loaded, its transaction still open
    SYNC = "sync"
    CHECK = "check"
    PARSE = "parse"
    PLAN = "plan"
    BUILD = "build"
    GATE = "gate"
    PUBLISH_COMMIT = "publish-commit"  # inside the publish task: its transaction committed, old builds not pruned
    PUBLISH = "publish"
    REPORT = "report"


def kill_point(point: KillPoint) -> None:
    """SIGKILL this process when ``ELT_KILL_AT`` names ``point``; otherwise do nothing."""
    if os.environ.get(KILL_AT_VARIABLE) == point.value:
        os.kill(os.getpid(), signal.SIGKILL)
