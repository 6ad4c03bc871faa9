"""The kill hook: a process dies by SIGKILL at the point ``ELT_KILL_AT`` names, and nowhere else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from elt.killpoints import KILL_AT_VARIABLE, KillPoint

# Passes two points in the order a run would, then says it lived.
PROGRAM = (
    "from elt.killpoints import KillPoint, kill_point;"
    " kill_point(KillPoint.SYNC); kill_point(KillPoint.GATE); print('lived')"
)


def _run(kill_at: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != KILL_AT_VARIABLE}
    if kill_at is not None:
        env[KILL_AT_VARIABLE] = kill_at
    return subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("kill_at", [KillPoint.SYNC.value, KillPoint.GATE.value])
def test_the_process_dies_by_sigkill_at_the_named_point(kill_at: str) -> None:
    process = _run(kill_at)
    assert process.returncode == -signal.SIGKILL
    assert "lived" not in process.stdout


@pytest.mark.parametrize("kill_at", [None, KillPoint.REPORT.value])
def test_a_run_not_reaching_the_named_point_lives(kill_at: str | None) -> None:
    process = _run(kill_at)
    assert (process.returncode, process.stdout.strip()) == (0, "lived")


def test_point_names_are_unique_and_written_as_the_variable_takes_them() -> None:
    names = [point.value for point in KillPoint]
    assert len(set(names)) == len(names)
    assert all(name == name.lower().replace("_", "-") for name in names)
