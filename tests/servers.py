"""Test doubles' servers on 127.0.0.1 (fakesnow, moto): a free port, and a process listening on it until the end."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def listening(command: Sequence[str], port: int, log: Path, *, stop: signal.Signals = signal.SIGTERM) -> Iterator[None]:
    """Run ``command`` (its output in ``log``) until it accepts connections on ``port``; stop it with ``stop`` after."""
    with log.open("wb") as sink:
        process = subprocess.Popen(list(command), stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                waited = f"{command[0]} not listening after {START_TIMEOUT_SECONDS}s"
                raise RuntimeError(f"{waited}:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield
    finally:
        process.send_signal(stop)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
