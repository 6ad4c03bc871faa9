"""The cloud sync wired to Prefect: its client secret from a Secret block (or the environment), and a stop signal
when the flow run it serves is being cancelled, so the Airbyte job is cancelled with it."""

from __future__ import annotations

from functools import partial

from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

from elt.catalog import Catalog
from elt.settings import AirbyteSettings
from elt.sync._airbyte import AirbyteSync


def client_secret(settings: AirbyteSettings) -> str:
    """The application's secret: the named Prefect Secret block when set, else ``ELT_AIRBYTE_CLIENT_SECRET``."""
    if settings.client_secret_block:
        return str(Secret.load(settings.client_secret_block).get())
    return settings.client_secret.get_secret_value()


def flow_run_cancelling() -> bool:
    """True once the flow run this code runs in is being cancelled (or was); False outside a flow run."""
    if flow_run.id is None:
        return False
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run.id).state
    return state is not None and (state.is_cancelling() or state.is_cancelled())


def airbyte_sync(settings: AirbyteSettings, catalog: Catalog) -> AirbyteSync:
    """The catalogue's Airbyte connection, synced with credentials and cancellation from Prefect."""
    return AirbyteSync(
        settings,
        [catalog.connection_name(settings.name_prefix)],
        client_secret=partial(client_secret, settings),
        should_stop=flow_run_cancelling,
    )
