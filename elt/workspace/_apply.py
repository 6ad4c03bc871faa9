"""``elt prefect apply``: take a Prefect server or Cloud workspace from empty to configured, idempotently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect_slack import SlackWebhook

from elt.settings import Profile
from elt.workspace._automations import apply_automations, slack_automations
from elt.workspace._limits import warehouse_limit
from elt.workspace._pools import apply_work_pools


@dataclass(frozen=True)
class WorkspacePlan:
    """What to apply. The webhook URL comes from the environment or a secret store, never the repository."""

    env: str
    profile: Profile
    slack_webhook_url: str | None
    late_after: timedelta

    @property
    def slack_block(self) -> str:
        """Terraform's naming module gives the same name."""
        return f"elt-{self.env}-slack"


def apply_workspace(plan: WorkspacePlan) -> list[str]:
    """Apply the plan to the workspace PREFECT_API_URL points at; returns one line per object applied."""
    applied = []
    with get_client(sync_client=True) as client:
        applied += apply_work_pools(client, plan.env)
        limit = warehouse_limit(plan.profile)
        client.upsert_global_concurrency_limit_by_name(limit, 1)
        applied.append(f"concurrency limit {limit} (1 run at a time)")
        if plan.slack_webhook_url:
            SlackWebhook(url=plan.slack_webhook_url).save(plan.slack_block, overwrite=True)
            applied.append(f"block {plan.slack_block} (slack-incoming-webhook)")
        try:
            block = client.read_block_document_by_name(
                plan.slack_block, block_type_slug="slack-incoming-webhook", include_secrets=False
            )
        except ObjectNotFound:
            return [*applied, f"no Slack automations: block {plan.slack_block} is missing; set ELT_SLACK_WEBHOOK_URL"]
        applied += apply_automations(client, slack_automations(block.id, plan.late_after))
    return applied
