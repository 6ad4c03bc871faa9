"""Wall, CPU and peak RSS of a phase: a subprocess and its whole process tree, plus processes serving it.

CPU seconds are the subprocess tree's user+sys from ``getrusage(RUSAGE_CHILDREN)`` (every descendant that was
waited for, threads included), plus what the serving processes (the Prefect server) used meanwhile. Peak RSS is
the largest sum of RSS over all those processes, sampled every 0.2 s with psutil.
"""

from __future__ import annotations

import resource
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.2
# What a phase that ran out of memory or disk prints (DuckDB, Python, the OS), and what to call it.
_EXHAUSTION = {
    "Out of Memory": "out of memory",
    "MemoryError": "out of memory",
    "Cannot allocate memory": "out of memory",
    "No space left on device": "out of disk",
    "Disk quota exceeded": "out of disk",
}


class PhaseError(RuntimeError):
    """A phase failed; the message names the phase and why (out of memory or disk when that is the cause)."""

    def __init__(self, phase: str, reason: str) -> None:
        super().__init__(f"phase {phase!r} failed: {reason}")
        self.phase = phase


@dataclass(frozen=True)
class Measurement:
    started: float  # epoch seconds
    ended: float
    cpu_s: float
    peak_rss: int  # bytes

    @property
    def wall_s(self) -> float:
        return self.ended - self.started


def _tree(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_cpu_seconds(process: psutil.Process) -> float:
    """User+sys of a live process and its live descendants (for a server that outlives the phase)."""
    total = 0.0
    for member in _tree(process):
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class _PeakRss(threading.Thread):
    """Samples the summed RSS of the given processes' trees until stopped; keeps the peak."""

    def __init__(self, roots: Sequence[psutil.Process]) -> None:
        super().__init__(daemon=True)
        self.roots = roots
        self.peak = 0
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            total = 0
            for root in self.roots:
                for member in _tree(root):
                    try:
                        total += member.memory_info().rss
                    except psutil.NoSuchProcess:
                        continue
            self.peak = max(self.peak, total)
            self._stopped.wait(SAMPLE_SECONDS)

    def stop(self) -> int:
        self._stopped.set()
        self.join()
        return self.peak


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def exhaustion(text: str) -> str | None:
    """'out of memory' or 'out of disk' when ``text`` (a phase's output) says so."""
    return next((what for marker, what in _EXHAUSTION.items() if marker in text), None)


def failure_reason(returncode: int, log: Path) -> str:
    tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
    last = "\n".join(line for line in tail.splitlines() if "nanobind" not in line)[-1500:]
    if returncode == -9:
        return f"killed by SIGKILL (out of memory? the kernel's OOM killer sends it); output ends:\n{last}"
    if what := exhaustion(tail):
        return f"{what} (exit {returncode}); output ends:\n{last}"
    return f"exit {returncode}; output ends:\n{last}"


def run_measured(
    phase: str, command: Sequence[str], env: dict[str, str], log: Path, serving: Sequence[psutil.Process] = ()
) -> Measurement:
    """Run ``command`` to its end, measured; raise PhaseError when it fails. Output goes to ``log``."""
    cpu_before = _children_cpu()
    serving_before = sum(tree_cpu_seconds(p) for p in serving)
    started = time.time()
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        sampler = _PeakRss([psutil.Process(process.pid), *serving])
        sampler.start()
        returncode = process.wait()
    ended = time.time()
    peak = sampler.stop()
    cpu = _children_cpu() - cpu_before + sum(tree_cpu_seconds(p) for p in serving) - serving_before
    if returncode != 0:
        raise PhaseError(phase, failure_reason(returncode, log))
    return Measurement(started, ended, cpu, peak)


class ServerStart:
    """Measures a long-running process from its start until ``ready()`` returns true."""

    def __init__(self, command: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready: Callable[[], bool], timeout_s: float) -> Measurement:
        started = time.time()
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=sink, stderr=subprocess.STDOUT)
        root = psutil.Process(self.process.pid)
        sampler = _PeakRss([root])
        sampler.start()
        try:
            while not ready():
                if self.process.poll() is not None:
                    raise PhaseError("orchestration", failure_reason(self.process.returncode, self.log))
                if time.time() - started > timeout_s:
                    raise PhaseError("orchestration", f"not ready after {timeout_s:.0f} s; see {self.log}")
                time.sleep(0.2)
        finally:
            peak = sampler.stop()
        return Measurement(started, time.time(), tree_cpu_seconds(root), peak)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
