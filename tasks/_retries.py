"""The tasks' retry policy, written once: retry a transient fault only; explain a permanent one (``elt.faults``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from prefect import Task
from prefect.client.schemas.objects import State, TaskRun

from elt.faults import explain, is_transient

P = ParamSpec("P")
R = TypeVar("R")


def retry_if_transient(task: Task, task_run: TaskRun, state: State) -> bool:
    """Prefect's ``retry_condition_fn``: a retry only where it can succeed."""
    error = state.result(raise_on_failure=False)
    return isinstance(error, BaseException) and is_transient(error)


def explain_faults(work: Callable[P, R]) -> Callable[P, R]:
    """Under ``@task``: a permanent fault leaves the task as a ``PermanentFaultError`` that says what to fix."""

    @functools.wraps(work)
    def explained(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return work(*args, **kwargs)
        except Exception as error:
            fault = explain(error)
            if fault is None:
                raise
            raise fault from error

    return explained
