"""What a build's charts read: net revenue per day and the quarantine rate per batch and stream.

Each is one small aggregate the engine computes (a row per day, a row per stream and batch), in SQL that DuckDB
and Snowflake share; the gate judges its quarantine limits on the same per-batch rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

# How far back the charts look: enough to see a trend, few enough rows to draw.
REVENUE_DAYS = 90
QUARANTINE_BATCHES = 50


@dataclass(frozen=True)
class BatchQuarantine:
    """One stream's records in one batch: delivered, quarantined and their ratio."""

    stream: str
    batch_id: int
    delivered: int
    quarantined: int
    rate: float


def batch_quarantine_rates(schema: str) -> str:
    """Per stream and batch: records delivered, records quarantined and their ratio.

    Delivered counts every record of the batch's file versions: those landed in RAW and those a changed file
    held unchanged since its previous version (landed then, not again). A file edited by one line is judged
    on the whole file, not on the few records it landed again.

    A record belongs to the batch whose extraction window holds its ``_airbyte_extracted_at``: the embedded
    sync stamps a batch's records with the batch's time, an Airbyte job with times inside its run. The
    quarantined records are those ``rpt_quarantine_reasons`` counts, read from the same relations it reads.
    """
    return f"""
select
    landed.stream,
    landed.batch_id,
    landed.records as landed,
    landed.delivered,
    coalesce(quarantined.records, 0) as quarantined,
    cast(coalesce(quarantined.records, 0) as double) / landed.delivered as quarantine_rate
from (
    select stream, batch_id, sum(records) as records, sum(records + unchanged) as delivered
    from {schema}.stg_elt_meta__landed_files
    where not coalesce(is_superseded, false)
    group by stream, batch_id
) as landed
left join (
    select records.stream, windows.batch_id, count(*) as records
    from (
        select 'sales' as stream, _airbyte_extracted_at from {schema}.sales_quarantine
        union all
        select 'reviews' as stream, _airbyte_extracted_at from {schema}.stg_parsed__reviews_quarantine
        union all
        select 'reviews' as stream, _airbyte_extracted_at from {schema}.int_reviews__validated
        where quarantine_reason is not null
        union all
        select stream, _airbyte_extracted_at from {schema}.int_reference_records__quarantined
    ) as records
    inner join (
        select batch_id, started_at, lead(started_at) over (order by batch_id) as next_started_at
        from (
            select batch_id, min(extracted_at) as started_at
            from {schema}.stg_elt_meta__landed_files
            group by batch_id
        ) as batches
    ) as windows
        on records._airbyte_extracted_at >= windows.started_at
        and (windows.next_started_at is null or records._airbyte_extracted_at < windows.next_started_at)
    group by records.stream, windows.batch_id
) as quarantined
    on landed.stream = quarantined.stream and landed.batch_id = quarantined.batch_id
where landed.records > 0"""


def daily_revenue_query(schema: str) -> str:
    """Net revenue per day of the build's ``mart_daily_revenue``, its newest ``REVENUE_DAYS`` days with sales."""
    return (
        f"select date_day, sum(net_amount) as net_amount from {schema}.mart_daily_revenue"
        f" group by date_day order by date_day desc limit {REVENUE_DAYS}"
    )


def quarantine_rates_query(schema: str) -> str:
    """``batch_quarantine_rates`` of the newest ``QUARANTINE_BATCHES`` batches (Airbyte's job ids are not
    consecutive, so batches are counted, not ids subtracted)."""
    return (
        "select stream, batch_id, delivered, quarantined, quarantine_rate from ("
        " select stream, batch_id, delivered, quarantined, quarantine_rate,"
        " dense_rank() over (order by batch_id desc) as age"
        f" from ({batch_quarantine_rates(schema)}) as rates"
        f") as ranked where age <= {QUARANTINE_BATCHES} order by batch_id, stream"
    )


def revenue_by_day(rows: Iterable[Sequence[Any]]) -> list[tuple[date, Decimal]]:
    """The rows of ``daily_revenue_query``, oldest day first."""
    return sorted((day, Decimal(amount)) for day, amount in rows)


def quarantine_by_batch(rows: Iterable[Sequence[Any]]) -> list[BatchQuarantine]:
    """The rows of ``quarantine_rates_query``, whatever number types the engine's driver returns."""
    return [
        BatchQuarantine(stream, int(batch), int(delivered), int(quarantined), float(rate))
        for stream, batch, delivered, quarantined, rate in rows
    ]
