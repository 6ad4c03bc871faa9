"""The SQL the suites push down for rules that no built-in expectation states.

Every query is an ``unexpected_rows_query``: it returns the rows that break a rule, so an empty result passes.
Only syntax that DuckDB and Snowflake share is used (no FILTER clause, no engine-specific functions), and
names are left unquoted so that Snowflake resolves the audit schema it created unquoted.
"""

from __future__ import annotations

from elt.settings import DailyBounds

# How the first unexpected row of these queries reads as the measured value (its lower-cased columns).
DIFFERS_OBSERVED = "{actual} against {expected}"
OLDER_OBSERVED = "the newest at {newest}"
RATE_OBSERVED = "{quarantine_rate:.2%} ({quarantined} of {delivered} records) in batch {batch_id}"


def rows_where(condition: str) -> str:
    return f"select * from {{batch}} where {condition}"


def not_in(column: str, relation: str, key: str) -> str:
    """Referential integrity: rows whose ``column`` has no ``key`` in ``relation`` (nulls are checked apart)."""
    keys = f"select {key} from {relation} where {key} is not null"
    return rows_where(f"{column} is not null and {column} not in ({keys})")


def differs(actual: str, expected: str) -> str:
    """One row when two aggregates disagree; ``expected`` missing counts as a disagreement."""
    return (
        f"select * from (select ({actual}) as actual, ({expected}) as expected) as figures"
        " where expected is null or actual is null or actual <> expected"
    )


def older_than(column: str, hours: int) -> str:
    """One row when the newest ``column`` is older than ``hours`` (an empty table is judged elsewhere)."""
    return (
        f"select * from (select max({column}) as newest from {{batch}}) as latest"
        f" where newest < current_timestamp - interval '{hours} hours'"
    )


def _newest_day_against_history(day: str, value: str, bounds: DailyBounds, breach: str) -> str:
    """One row when the newest day's ``value`` breaches ``breach`` against the trailing days' statistics."""
    return f"""
with daily as (
    select {day} as event_day, cast({value} as double) as amount from {{batch}} group by {day}
),
ranked as (
    select amount, row_number() over (order by event_day desc) as age from daily
),
history as (
    select
        median(amount) as median_amount,
        avg(amount) as mean_amount,
        stddev_samp(amount) as stddev_amount,
        count(*) as days
    from ranked
    where age between 2 and {bounds.trailing_days + 1}
)
select newest.amount, history.median_amount, history.mean_amount, history.stddev_amount
from ranked as newest, history
where newest.age = 1 and history.days >= {bounds.min_history_days} and ({breach})"""


def newest_day_outside_median_ratio(day: str, value: str, bounds: DailyBounds) -> str:
    return _newest_day_against_history(
        day,
        value,
        bounds,
        f"newest.amount < history.median_amount * {bounds.min_ratio_to_median}"
        f" or newest.amount > history.median_amount * {bounds.max_ratio_to_median}",
    )


def newest_day_outside_stddevs(day: str, value: str, bounds: DailyBounds) -> str:
    return _newest_day_against_history(
        day,
        value,
        bounds,
        f"abs(newest.amount - history.mean_amount) > {bounds.max_stddevs} * history.stddev_amount",
    )


def newest_batch(schema: str) -> str:
    return f"select max(batch_id) from {schema}.stg_elt_meta__landed_files"
