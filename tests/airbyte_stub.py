"""A scripted stand-in for Airbyte's public API on 127.0.0.1: the routes the SDK calls, payloads from its models."""

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


@dataclass
class Scenario:
    """What the server answers: per connection, the create replies, then the statuses a job walks through."""

    connections: dict[str, str]
    statuses: list[JobStatus] = field(default_factory=lambda: [JobStatus.RUNNING, JobStatus.SUCCEEDED])
    create_codes: list[int] = field(default_factory=list)
    get_codes: list[int] = field(default_factory=list)
    """Answers to the next job polls before the job itself: 5xx, 4xx or ``DROP``."""
    failure_message: str | None = None
    token_lifetime: int = 3600
    token_max_age: float = float("inf")
    running_job_id: int | None = None
    tokens_issued: int = 0
    cancelled: list[int] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    _tokens: dict[str, float] = field(default_factory=dict)
    _jobs: dict[int, tuple[str, Iterator[JobStatus]]] = field(default_factory=dict)
    _last: dict[int, JobStatus] = field(default_factory=dict)
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
        return job_id

    def job(self, job_id: int, *, advance: bool) -> dict[str, object]:
        connection_id, statuses = self._jobs[job_id]
        if advance or job_id not in self._last:
            self._last[job_id] = next(statuses, self._last.get(job_id, JobStatus.RUNNING))
        status = self._last[job_id]
        done = status is JobStatus.SUCCEEDED
        payload = models.JobResponse(
            job_id=job_id,
            connection_id=connection_id,
            job_type=models.JobTypeEnum.SYNC,
            start_time="2026-01-01T00:00:00Z",
            status=status,
            rows_synced=1200 if done else None,
            bytes_synced=34_000 if done else None,
            duration="PT2M5S" if done else None,
        ).model_dump(by_alias=True, mode="json", exclude_none=True)
        if status is JobStatus.FAILED and self.failure_message:
            payload["failureSummary"] = {"failures": [{"externalMessage": self.failure_message}]}
        return payload

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
            if url.path == "/v1/applications/token":
                return self._reply(200, s.issue_token())
            if not s.authorised(self.headers.get("Authorization")):
                return self._reply(401, {"title": "unauthorized"})
            code, reply = self._answer(s, method, url.path, parse_qs(url.query), body)
        if code == DROP:
            self.close_connection = True
            return None
        return self._reply(code, reply)

    @staticmethod
    def _answer(s: Scenario, method: str, path: str, query: dict[str, list[str]], body: bytes) -> tuple[int, object]:
        if (method, path) == ("GET", "/v1/connections"):
            data = [_connection(n, i).model_dump(by_alias=True, mode="json") for n, i in s.connections.items()]
            return 200, {"data": data}
        if (method, path) == ("POST", "/v1/jobs"):
            code = s.create_codes.pop(0) if s.create_codes else 200
            if code == 409:
                s.running_job_id = s.new_job(json.loads(body)["connectionId"])
            if code != 200:
                return code, {"title": "scripted", "status": code, "detail": "a sync is already running"}
            return 200, s.job(s.new_job(json.loads(body)["connectionId"]), advance=True)
        if (method, path) == ("GET", "/v1/jobs"):
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
    """Serve ``scenario`` on a free loopback port; yield the API base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.scenario = scenario
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
