"""Servers the tests start on 127.0.0.1 (Prefect's, and test doubles': fakesnow, moto): a free port, a process
listening on it until the end, and Prefect clients pointed at Prefect's."""

from __future__ import annotations

import shlex
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(port: int, health_url: str | None) -> bool:
    if health_url is None:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0
    try:
        with urllib.request.urlopen(health_url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def listening(
    command: Sequence[str],
    port: int,
    log: Path,
    *,
    stop: signal.Signals = signal.SIGTERM,
    env: Mapping[str, str] | None = None,
    health_url: str | None = None,
    timeout: float = START_TIMEOUT_SECONDS,
) -> Iterator[None]:
    """Run ``command`` (its output in ``log``) until it accepts connections on ``port``, or until ``health_url``
    answers 200 when given (a server may listen before it can serve); stop it with ``stop`` after."""
    with log.open("wb") as sink:
        process = subprocess.Popen(list(command), env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{shlex.join(command)} exited with {process.returncode}:\n{log.read_text()[-3000:]}"
                )
            if _ready(port, health_url):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{shlex.join(command)} not ready after {timeout}s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield
    finally:
        process.send_signal(stop)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def prefect_client(api_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point this process's Prefect clients at ``api_url``: the settings context, and the environment too, since
    threads that dbt starts do not inherit the context."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.setenv("PREFECT_API_URL", api_url)
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        yield
