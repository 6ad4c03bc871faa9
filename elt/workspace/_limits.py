"""The concurrency limit that serialises runs on one warehouse, whatever deployment or trigger started them."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from elt.faults import is_transient
from elt.settings import Profile

# A server too busy to hand out slots (SQLite locked under a burst of runs) is waited for this long in all.
SLOT_SERVICE_PATIENCE_SECONDS = 600
_LONGEST_PAUSE_SECONDS = 30


def warehouse_limit(profile: Profile) -> str:
    """One limit per warehouse: DuckDB allows one writer, and two builds must not race to publish."""
    return f"elt-warehouse-{profile.value}"


@contextmanager
def warehouse_slot(
    profile: Profile, logger: logging.Logger | logging.LoggerAdapter, patience: float = SLOT_SERVICE_PATIENCE_SECONDS
) -> Iterator[None]:
    """Hold the warehouse's limit for the run: queue behind the run holding it, however long it takes.

    Prefect raises when its server cannot answer the request for a slot (a 503 while its database is locked by
    the other runs' updates, a dropped connection); that is the server being busy, not a reason for the run to
    fail, so the request is made again with backoff for ``patience`` seconds. The wait is logged, so the run's
    page says why it is not doing anything yet.
    """
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
    from prefect.concurrency.sync import concurrency

    name = warehouse_limit(profile)
    started = time.monotonic()
    pause = 1.0
    logger.info("waiting for the warehouse's slot (%s): runs on one warehouse take turns", name)
    with ExitStack() as held:
        while True:
            try:
                held.enter_context(concurrency(name, occupy=1))
                break
            except ConcurrencySlotAcquisitionError as exc:
                if not is_transient(exc) or time.monotonic() - started + pause > patience:
                    raise
                logger.warning("the Prefect server could not hand out a slot (%s); asking again in %.0f s", exc, pause)
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE_SECONDS)
        logger.info("holding the warehouse's slot after %.1f s", time.monotonic() - started)
        yield
