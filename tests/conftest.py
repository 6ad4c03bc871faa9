"""Test-wide fixtures: a real Prefect server on 127.0.0.1, started once per session and stopped after."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator

import pytest
from servers import free_port, listening, prefect_client

# Client-side Prefect state (profiles, local storage) goes to a throwaway home, never the user's ~/.prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="elt-tests-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_BATCH_INTERVAL", "0.3")

SERVER_START_TIMEOUT = 180


@pytest.fixture(scope="session")
def prefect_api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``prefect server start`` on a free loopback port with its own SQLite database."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": url}
    with listening(
        command, port, home / "server.log", env=env, health_url=f"{url}/health", timeout=SERVER_START_TIMEOUT
    ):
        try:
            # For the whole session, so no client (a dbt thread, the log worker at exit) starts a temporary server.
            os.environ["PREFECT_API_URL"] = url
            # Prefect read its settings at import; threads outside a settings context (the log and event workers)
            # use the global ones, which must see this server too, or they start a temporary one of their own.
            from prefect.context import refresh_global_settings_context

            refresh_global_settings_context()
            yield url
        finally:
            # Send what the tests logged and emitted while the server still listens, not at interpreter exit.
            from prefect.events.worker import EventsWorker
            from prefect.logging.handlers import APILogWorker

            APILogWorker.drain_all(timeout=10)
            EventsWorker.drain_all(timeout=10)


@pytest.fixture
def prefect_server(prefect_api_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point this test's Prefect clients at the session's server."""
    with prefect_client(prefect_api_url, monkeypatch):
        yield prefect_api_url
