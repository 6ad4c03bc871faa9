"""A finished Airbyte job's attempts, read from Airbyte's Config API: its failure reason and emitted/committed counts.

Airbyte's public API (the one ``airbyte-api`` speaks) answers a job with its status, ``rowsSynced``,
``bytesSynced`` and duration only: no failure reason and no emitted/committed split. The Config API that
Airbyte's own UI and PyAirbyte read (``POST <root>/jobs/get``) has both in each attempt (``failureSummary``,
``totalStats``) and accepts the same application token. Airbyte calls that API internal and promises nothing
about it, so it is read once per finished job and only as a supplement: when it does not answer, the job is
reported with what the public API gave, and the reason it is missing is said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

CLOUD_PUBLIC_API = "https://api.airbyte.com/v1"
CLOUD_CONFIG_API = "https://cloud.airbyte.com/api/v1"
SELF_MANAGED_PUBLIC_PATH = "/api/public/v1"
SELF_MANAGED_CONFIG_PATH = "/api/v1"


def config_api_root(base_url: str, configured: str | None = None) -> str | None:
    """The Config API beside a public API: set explicitly, Airbyte Cloud's, or a self-managed server's."""
    if configured:
        return configured.rstrip("/")
    base = base_url.rstrip("/")
    if base == CLOUD_PUBLIC_API:
        return CLOUD_CONFIG_API
    if base.endswith(SELF_MANAGED_PUBLIC_PATH):
        return base.removesuffix(SELF_MANAGED_PUBLIC_PATH) + SELF_MANAGED_CONFIG_PATH
    return None


@dataclass(frozen=True)
class JobDetails:
    """What the attempts add to the public API's job; every figure None and ``unavailable`` set when unread."""

    records_emitted: int | None = None
    bytes_emitted: int | None = None
    records_committed: int | None = None
    bytes_committed: int | None = None
    failure: str | None = None
    unavailable: str | None = None

    @classmethod
    def of(cls, job_info: Mapping[str, Any]) -> JobDetails:
        """Read a ``JobInfoRead``: counts summed over attempts, the reason from the last attempt that failed.

        Each retry resumes from the last committed state, so committed counts add up across attempts; emitted
        counts include what a failed attempt emitted before it was retried, as Airbyte's own job totals do.
        """
        attempts = [item.get("attempt") or {} for item in job_info.get("attempts") or []]

        def total(key: str) -> int | None:
            values = [a["totalStats"][key] for a in attempts if key in (a.get("totalStats") or {})]
            return sum(values) if values else None

        failed = [a["failureSummary"] for a in attempts if (a.get("failureSummary") or {}).get("failures")]
        reasons = [
            f"{f['failureOrigin']}: {f['externalMessage']}" if f.get("failureOrigin") else f["externalMessage"]
            for f in (failed[-1]["failures"] if failed else [])
            if f.get("externalMessage")
        ]
        return cls(
            records_emitted=total("recordsEmitted"),
            bytes_emitted=total("bytesEmitted"),
            records_committed=total("recordsCommitted"),
            bytes_committed=total("bytesCommitted"),
            failure="; ".join(reasons) or None,
        )


def fetch_job_details(
    root: str | None, job_id: int, *, token_url: str, client_id: str, client_secret: str, timeout: float
) -> JobDetails:
    """One token and one ``jobs/get``; any refusal or malformed answer becomes ``unavailable``, never an error."""
    if root is None:
        return JobDetails(unavailable="no Config API URL is known for this server (ELT_AIRBYTE_CONFIG_API_URL)")
    credentials = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    try:
        with httpx.Client(timeout=timeout) as http:
            token = http.post(token_url, data=credentials).raise_for_status().json()["access_token"]
            reply = http.post(f"{root}/jobs/get", json={"id": job_id}, headers={"Authorization": f"Bearer {token}"})
            return JobDetails.of(reply.raise_for_status().json())
    except httpx.HTTPStatusError as exc:
        return JobDetails(unavailable=f"{exc.request.url} answered {exc.response.status_code}")
    except (httpx.TransportError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return JobDetails(unavailable=f"{root}/jobs/get: {type(exc).__name__}: {exc}")
