"""A Slack stand-in and a workspace configured by ``elt prefect apply`` on the session's Prefect server."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from elt.settings import Profile
from elt.workspace import WorkspacePlan, apply_workspace, warehouse_limit


class SlackReceiver:
    """Collects the JSON bodies POSTed to it, as Slack's incoming webhook would receive them."""

    def __init__(self) -> None:
        self.messages: queue.Queue[dict] = queue.Queue()
        received = self.messages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.put(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/test"

    def wait_for(self, matches: Callable[[str], bool], timeout: float = 60) -> str:
        """The first message whose text matches; messages that do not are dropped."""
        return self.until(matches, timeout)[-1]

    def until(self, matches: Callable[[str], bool], timeout: float = 60) -> list[str]:
        """Every message received up to the first that matches, that one last."""
        deadline = time.monotonic() + timeout
        received: list[str] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                received.append(self.messages.get(timeout=left)["text"])
            except queue.Empty:
                break
            if matches(received[-1]):
                return received
        raise AssertionError(f"no matching Slack message within {timeout}s")


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackReceiver]:
    receiver = SlackReceiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture(scope="module")
def workspace_plan(slack: SlackReceiver) -> WorkspacePlan:
    return WorkspacePlan(
        env="test", profile=Profile.LOCAL, slack_webhook_url=slack.url, late_after=timedelta(minutes=5)
    )


@pytest.fixture(scope="module")
def applied_workspace(prefect_api_url: str, workspace_plan: WorkspacePlan) -> Iterator[list[str]]:
    """Applied once per module; the automations and the limit are removed after, so other tests run unwatched."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: prefect_api_url}):
        applied = apply_workspace(workspace_plan)
    yield applied
    with temporary_settings(updates={PREFECT_API_URL: prefect_api_url}), get_client(sync_client=True) as client:
        for automation in client.read_automations():
            if automation.name.startswith("slack-"):
                client.delete_automation(automation.id)
        client.delete_global_concurrency_limit_by_name(warehouse_limit(workspace_plan.profile))
