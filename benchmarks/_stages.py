"""Where a flow run's time went, from its task runs as the Prefect API recorded them (never from logs).

The flow's tasks are sequential, so each stage is a task's start-to-end (dbt, its parse included, is the one
``dbt-build`` task). Orchestration is what is left of the flow run's wall: task bookkeeping between stages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import httpx

# Stage names, in the order the flow runs them, and the task names each one covers.
TASK_STAGES: dict[str, tuple[str, ...]] = {
    "sync": ("sync-streams",),
    "check-landing": ("check-landing",),
    "parse": ("parse-documents",),
    "plan-build": ("plan-build",),
    "dbt": ("dbt-build",),
    "gate": ("validate-build",),
    "publish": ("publish-build",),
    "readers": ("serve-readers",),
    "report": ("summarize-run", "report-run"),
}
STAGES = tuple(TASK_STAGES)
PAGE = 200
SETTLE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class _TaskRun:
    name: str
    start: float
    end: float


@dataclass(frozen=True)
class FlowStages:
    flow_start: float
    flow_end: float
    stages: dict[str, float]  # seconds per stage in STAGES

    @property
    def orchestration_s(self) -> float:
        return max(0.0, self.flow_end - self.flow_start - sum(self.stages.values()))


def _epoch(value: str | None) -> float | None:
    return None if value is None else datetime.fromisoformat(value).timestamp()


def _stage_of(name: str) -> str | None:
    """The stage a task run belongs to by its name: ``sync-streams-2a1``."""
    return next((s for s, tasks in TASK_STAGES.items() if any(name.startswith(f"{t}-") for t in tasks)), None)


class PrefectRuns:
    """Reads flow runs and their task runs from a Prefect server's REST API."""

    def __init__(self, api_url: str) -> None:
        self.client = httpx.Client(base_url=api_url.rstrip("/") + "/", timeout=30)

    def latest_flow_run(self, flow_name: str, after: float) -> dict:
        runs = self.client.post(
            "flow_runs/filter",
            json={"flows": {"name": {"any_": [flow_name]}}, "sort": "START_TIME_DESC", "limit": 1},
        )
        runs.raise_for_status()
        found = runs.json()
        if not found or (_epoch(found[0]["start_time"]) or 0) < after:
            raise LookupError(f"no {flow_name!r} flow run started after the process did")
        return found[0]

    def _task_runs(self, flow_run_id: str) -> list[dict]:
        runs: list[dict] = []
        while True:
            page = self.client.post(
                "task_runs/filter",
                json={
                    "flow_runs": {"id": {"any_": [flow_run_id]}},
                    "sort": "EXPECTED_START_TIME_ASC",
                    "limit": PAGE,
                    "offset": len(runs),
                },
            )
            page.raise_for_status()
            runs += page.json()
            if len(page.json()) < PAGE:
                return runs

    def _settled_task_runs(self, flow_run_id: str) -> list[_TaskRun]:
        """The task runs once the server has recorded them all ended: their states arrive as events, after the
        flow process may already have exited."""
        deadline, previous = time.monotonic() + SETTLE_TIMEOUT_S, -1
        while True:
            raw = self._task_runs(flow_run_id)
            ended = [r for r in raw if r["start_time"] and r["end_time"]]
            if (len(ended) == len(raw) and len(raw) == previous) or time.monotonic() > deadline:
                return [_TaskRun(r["name"], _epoch(r["start_time"]), _epoch(r["end_time"])) for r in ended]
            previous = len(raw)
            time.sleep(1.0)

    def stages(self, flow_name: str, after: float) -> FlowStages:
        flow_run = self.latest_flow_run(flow_name, after)
        if flow_run["end_time"] is None:
            raise LookupError(f"flow run {flow_run['name']} has not ended")
        task_runs = self._settled_task_runs(flow_run["id"])
        seconds = dict.fromkeys(STAGES, 0.0)
        by_stage: dict[str, list[_TaskRun]] = {}
        for run in task_runs:
            if (stage := _stage_of(run.name)) is not None:
                by_stage.setdefault(stage, []).append(run)
        for stage, runs in by_stage.items():
            seconds[stage] = sum(r.end - r.start for r in runs)
        return FlowStages(_epoch(flow_run["start_time"]), _epoch(flow_run["end_time"]), seconds)
