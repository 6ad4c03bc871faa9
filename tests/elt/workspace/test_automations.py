"""The Slack messages' text, rendered as Prefect's server renders an automation's templates."""

import datetime as dt
import uuid

import pytest
from prefect.server.events.jinja_filters import all_filters
from prefect.server.schemas.core import FlowRun
from prefect.server.utilities.user_templates import register_user_template_filters, render_user_template_sync
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

from elt.workspace._automations import FAILED_BODY, _late_body

RUN = FlowRun(id=uuid.UUID(int=7), flow_id=uuid.UUID(int=1), name="calm-otter")


@pytest.fixture(autouse=True)
def _filters() -> None:
    register_user_template_filters(all_filters)  # what the server does before it renders an action


@pytest.mark.parametrize("body", [FAILED_BODY, _late_body(dt.timedelta(minutes=30))])
def test_a_message_links_the_run_in_the_ui_when_its_address_is_known(body: str) -> None:
    with temporary_settings({PREFECT_UI_URL: "https://prefect.example.com"}):
        text = render_user_template_sync(body, {"flow_run": RUN})

    assert text.endswith(f"https://prefect.example.com/runs/flow-run/{RUN.id}")


@pytest.mark.parametrize("body", [FAILED_BODY, _late_body(dt.timedelta(minutes=30))])
def test_without_the_ui_address_a_message_says_how_to_set_it_never_none(body: str) -> None:
    with temporary_settings(restore_defaults={PREFECT_UI_URL, PREFECT_API_URL}):  # the UI address follows the API
        text = render_user_template_sync(body, {"flow_run": RUN})

    assert "None" not in text
    assert text.endswith("set PREFECT_UI_URL, where the Prefect server runs, to the address of its UI.")
