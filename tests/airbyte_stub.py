"""A scripted stand-in for a self-managed Airbyte on 127.0.0.1.

The public API (``/api/public/v1``) serves the routes the SDK calls with payloads built from the SDK's models;
the Config API (``/api/v1``) serves ``jobs/get``, the one route the sync reads there, in the shape of Airbyte's
``JobInfoRead`` (``attempts[].attempt`` with ``totalStats`` and ``failureSummary``), which the SDK has no model for.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from airbyte_api import models

JobStatus = models.JobStatusEnum
DROP = 0
"""A scripted status code meaning: close the connection without answering (a connection reset)."""
PUBLIC = "/api/public/v1"
CONFIG = "/api/v1"
ATTEMPT_STATS = {"recordsEmitted": 1200, "bytesEmitted": 34_000, "recordsCommitted": 1150, "bytesCommitted": 32_500}
"""Each attempt's ``totalStats``; a job's figures are these times its attempts."""
TERMINAL = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}


@dataclass
class Scenario:
    """What the server answers: per connection, the create replies, then the statuses a job walks through."""

    connections: dict[str, str]
    statuses: list[JobStatus] = field(default_factory=lambda: [JobStatus.RUNNING, JobStatus.SUCCEEDED])
    create_codes: list[int] = field(default_factory=list)
    get_codes: list[int] = field(default_factory=list)
    """Answers to the next job polls before the job itself: 5xx, 4xx or ``DROP``."""
    failure_message: str | None = None
    """Airbyte's reason for a failed or cancelled job, served by the Config API only, as Airbyte does."""
    config_api: bool = True
    """False: ``jobs/get`` answers 404, as on a server whose Config API is not reachable."""
    token_lifetime: int = 3600
    token_max_age: float = float("inf")
    running_job_id: int | None = None
    tokens_issued: int = 0
    cancelled: list[int] = field(default_factory=list)
    peak_running: int = 0
    """The most jobs that were started and not yet seen terminal at one time."""
    calls: list[str] = field(default_factory=list)
    _tokens: dict[str, float] = field(default_factory=dict)
    _jobs: dict[int, tuple[str, Iterator[JobStatus]]] = field(default_factory=dict)
    _last: dict[int, JobStatus] = field(default_factory=dict)
    _attempts: dict[int, int] = field(default_factory=dict)
    _running: set[int] = field(default_factory=set)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(100))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_token(self) -> dict[str, object]:
        token = f"token-{self.tokens_issued}"
        self.tokens_issued += 1
        self._tokens[token] = time.monotonic()
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime}

    def authorised(self, header: str | None) -> bool:
        issued = self._tokens.get((header or "").removeprefix("Bearer "))
        return issued is not None and time.monotonic() - issued <= self.token_max_age

    def new_job(self, connection_id: str) -> int:
        job_id = next(self._ids)
        self._jobs[job_id] = (connection_id, iter(self.statuses))
        self._attempts[job_id] = 1
        self._running.add(job_id)
        self.peak_running = max(self.peak_running, len(self._running))
        return job_id

    def job(self, job_id: int, *, advance: bool) -> dict[str, object]:
        """The public API's ``JobResponse``: status, one records and bytes count, duration; no reason, no split."""
        connection_id, statuses = self._jobs[job_id]
        if advance or job_id not in self._last:
            self._last[job_id] = next(statuses, self._last.get(job_id, JobStatus.RUNNING))
            self._attempts[job_id] += self._last[job_id] is JobStatus.INCOMPLETE
        status = self._last[job_id]
        done = status in TERMINAL
        if done:
            self._running.discard(job_id)
        return models.JobResponse(
            job_id=job_id,
            connection_id=connection_id,
            job_type=models.JobTypeEnum.SYNC,
            start_time="2026-01-01T00:00:00Z",
            last_updated_at="2026-01-01T00:02:05Z",
            status=status,
            rows_synced=ATTEMPT_STATS["recordsCommitted"] * self._attempts[job_id] if done else None,
            bytes_synced=ATTEMPT_STATS["bytesCommitted"] * self._attempts[job_id] if done else None,
            duration="PT2M5S" if done else None,
        ).model_dump(by_alias=True, mode="json", exclude_none=True)

    def job_info(self, job_id: int) -> dict[str, object]:
        """The Config API's ``JobInfoRead``: one attempt per try, the last one carrying the failure if any."""
        status = self._last[job_id]
        count = self._attempts[job_id]
        attempts = [{"attempt": {"id": n, "status": "failed", "totalStats": ATTEMPT_STATS}} for n in range(count)]
        last = attempts[-1]["attempt"]
        last["status"] = "succeeded" if status is JobStatus.SUCCEEDED else "failed"
        if status is not JobStatus.SUCCEEDED and self.failure_message:
            failure = {
                "failureOrigin": "source",
                "failureType": "config_error",
                "externalMessage": self.failure_message,
            }
            last["failureSummary"] = {"failures": [failure], "partialSuccess": False}
        return {"job": {"id": job_id, "configType": "sync", "status": status.value}, "attempts": attempts}

    def cancel(self, job_id: int) -> dict[str, object]:
        self.cancelled.append(job_id)
        self._last[job_id] = JobStatus.CANCELLED
        return self.job(job_id, advance=False)


def _connection(name: str, connection_id: str) -> models.ConnectionResponse:
    return models.ConnectionResponse(
        configurations=models.StreamConfigurations(),
        connection_id=connection_id,
        created_at=0,
        destination_id="destination",
        name=name,
        schedule=models.ConnectionScheduleResponse(schedule_type=models.ScheduleTypeWithBasicEnum.MANUAL),
        source_id="source",
        status=models.ConnectionStatusEnum.ACTIVE,
        tags=[],
        workspace_id="workspace",
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the scenario records what was called."""

    def _reply(self, code: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        s = self.server.scenario
        with s.lock:
            s.calls.append(f"{method} {url.path}")
            if url.path == f"{PUBLIC}/applications/token":
                return self._reply(200, s.issue_token())
            if not s.authorised(self.headers.get("Authorization")):
                return self._reply(401, {"title": "unauthorized"})
            if (method, url.path) == ("POST", f"{CONFIG}/jobs/get"):
                job_id = int(json.loads(body)["id"])
                code, reply = (200, s.job_info(job_id)) if s.config_api else (404, {"message": "not found"})
            else:
                code, reply = self._answer(s, method, url.path.removeprefix(PUBLIC), parse_qs(url.query), body)
        if code == DROP:
            self.close_connection = True
            return None
        return self._reply(code, reply)

    @staticmethod
    def _answer(s: Scenario, method: str, path: str, query: dict[str, list[str]], body: bytes) -> tuple[int, object]:
        if (method, path) == ("GET", "/connections"):
            data = [_connection(n, i).model_dump(by_alias=True, mode="json") for n, i in s.connections.items()]
            return 200, {"data": data}
        if (method, path) == ("POST", "/jobs"):
            code = s.create_codes.pop(0) if s.create_codes else 200
            if code == 409:
                s.running_job_id = s.new_job(json.loads(body)["connectionId"])
            if code != 200:
                return code, {"title": "scripted", "status": code, "detail": "a sync is already running"}
            return 200, s.job(s.new_job(json.loads(body)["connectionId"]), advance=True)
        if (method, path) == ("GET", "/jobs"):
            running = [s.job(s.running_job_id, advance=True)] if s.running_job_id is not None else []
            assert query["connectionId"], "the running job is looked up by connection"
            return 200, {"data": running}
        job_id = int(path.rsplit("/", 1)[-1])
        if method == "DELETE":
            return 200, s.cancel(job_id)
        code = s.get_codes.pop(0) if s.get_codes else 200
        return (code, {"title": "scripted"}) if code != 200 else (200, s.job(job_id, advance=True))

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


class _Server(ThreadingHTTPServer):
    scenario: Scenario


@contextmanager
def airbyte_server(scenario: Scenario) -> Iterator[str]:
    """Serve ``scenario`` on a free loopback port; yield the public API's base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.scenario = scenario
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PUBLIC}"
    finally:
        server.shutdown()
        server.server_close()
