"""The Slack automations: what is worth a message, and what the message says.

Written here only: Terraform makes the Slack block they post through, and `elt prefect apply` applies these.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

# Flows of this project; other flows in a shared workspace are someone else's to announce.
FLOWS = {"prefect.resource.role": "flow", "prefect.resource.name": ["elt", "elt-backfill"]}
FLOW_RUN_TERMINAL_FAILURES = {"prefect.flow-run.Failed", "prefect.flow-run.Crashed", "prefect.flow-run.TimedOut"}
FLOW_RUN_MOVED_ON = {
    "prefect.flow-run.Pending",
    "prefect.flow-run.Running",
    "prefect.flow-run.Completed",
    "prefect.flow-run.Failed",
    "prefect.flow-run.Crashed",
    "prefect.flow-run.Cancelled",
}

# The run's page in the Prefect UI; Prefect knows it only from PREFECT_UI_URL on the server, so say that, not `None`.
# `flow_run` is the run the triggering event names: a state change's own resource, or the run an event emitted
# inside a flow run carries as related resource (Prefect attaches it), as the outcome events of tasks/report.py do.
RUN_LINK = (
    "{{ flow_run|ui_url or 'No link to the run: set PREFECT_UI_URL, where the Prefect server runs,"
    " to the address of its UI.' }}"
)
FAILED_BODY = "{{ flow_run.state.message }}\n" + RUN_LINK
GATE_CLOSED_BODY = (
    "Build {{ event.payload.build }}: {{ event.payload.failed|length }} failed expectations,"
    " ANALYTICS unchanged.\n"
    "{% for failure in event.payload.failed %}- {{ failure }}\n{% endfor %}"
    "{% if event.payload.data_docs %}Data Docs: {{ event.payload.data_docs }}\n{% endif %}" + RUN_LINK
)
PUBLISHED_BODY = (
    "Build {{ event.payload.build }} published: {{ event.payload.landed }} records landed,"
    " {{ event.payload.published }} published, {{ event.payload.quarantined }} quarantined.\n"
    "{% for warning in event.payload.warnings %}- warning: {{ warning }}\n{% else %}No warnings.\n{% endfor %}"
    + RUN_LINK
)


def _late_body(late_after: timedelta) -> str:
    seconds = int(late_after.total_seconds())
    wait = f"{seconds // 60} minutes" if seconds % 60 == 0 else f"{seconds} seconds"
    return f"Not started {wait} after it became Late.\n" + RUN_LINK


def slack_automations(block_id: UUID, late_after: timedelta) -> list[AutomationCore]:
    """One automation per message; each posts through the SlackWebhook block ``block_id``."""

    def notify(name: str, trigger: EventTrigger, subject: str, body: str) -> AutomationCore:
        action = SendNotification(block_document_id=block_id, subject=subject, body=body)
        return AutomationCore(name=f"slack-{name}", description=subject, trigger=trigger, actions=[action])

    return [
        notify(
            "flow-run-failed",
            EventTrigger(
                expect=FLOW_RUN_TERMINAL_FAILURES,
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related=FLOWS,
                posture=Posture.Reactive,
                threshold=1,
            ),
            "Flow run {{ flow_run.name }} of {{ flow.name }}: {{ flow_run.state.name }}",
            FAILED_BODY,
        ),
        notify(
            "gate-closed",
            EventTrigger(expect={"elt.gate.closed"}, posture=Posture.Reactive, threshold=1),
            "Publish gate closed: ANALYTICS unchanged",
            GATE_CLOSED_BODY,
        ),
        notify(
            "run-completed",
            EventTrigger(expect={"elt.published"}, posture=Posture.Reactive, threshold=1),
            "elt run published",
            PUBLISHED_BODY,
        ),
        notify(
            "flow-run-late",
            # Late is set by the server; silence for `late_after` after it, per run, is what is worth a message.
            EventTrigger(
                after={"prefect.flow-run.Late"},
                expect=FLOW_RUN_MOVED_ON,
                for_each={"prefect.resource.id"},
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related=FLOWS,
                posture=Posture.Proactive,
                threshold=1,
                within=late_after,
            ),
            "Flow run {{ flow_run.name }} of {{ flow.name }} is late",
            _late_body(late_after),
        ),
    ]


def apply_automations(client: SyncPrefectClient, automations: list[AutomationCore]) -> list[str]:
    """Create each automation by name, or replace the one of that name (and drop duplicates)."""
    for automation in automations:
        existing = client.read_automations_by_name(automation.name)
        if existing:
            client.update_automation(existing[0].id, automation)
            for duplicate in existing[1:]:
                client.delete_automation(duplicate.id)
        else:
            client.create_automation(automation)
    return [f"automation {a.name}" for a in automations]
