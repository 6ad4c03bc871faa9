"""The SQL the suites push down for rules that no built-in expectation states.

Every query is an ``unexpected_rows_query``: it returns the rows that break a rule, so an empty result passes.
Only syntax that DuckDB and Snowflake share is used (no FILTER clause, no engine-specific functions), and
names are left unquoted so that Snowflake resolves the audit schema it created unquoted.
"""

from __future__ import annotations

from elt.settings import DailyBounds

# How the first unexpected row of these queries reads as the measured value (its lower-cased columns).
DIFFERS_OBSERVED = "{actual} against {expected}"
OLDER_OBSERVED = "the newest at {newest}, the newest batch arrived at {arrived}"
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


def stale_against_arrival(column: str, hours: int, schema: str) -> str:
    """One row when the newest ``column`` is more than ``hours`` older than the newest batch's arrival: a source
    delivering late is stale whatever the wall clock says, and data of past years loaded today is not."""
    arrived = f"select max(extracted_at) from {schema}.stg_elt_meta__landed_files"
    return (
        f"select * from (select max({column}) as newest, ({arrived}) as arrived from {{batch}}) as latest"
        f" where newest < arrived - interval '{hours} hours'"
    )


def _daily_history(day: str, value: str, records: str, bounds: DailyBounds) -> str:
    """The newest day (``newest``) and the statistics of the days before it (``history``), as CTEs.

    The history is the same weekday's days of the trailing window when there are ``min_history_days`` of them
    (retail's weekly rhythm), every day of the window otherwise. ``records`` counts what a day's value rests on.
    """
    return f"""
with daily as (
    select {day} as event_day, cast({value} as double) as amount, cast({records} as double) as records
    from {{batch}}
    group by {day}
),
newest as (
    select * from daily where event_day = (select max(event_day) from daily)
),
recent_days as (
    select daily.* from daily, newest
    where daily.event_day < newest.event_day and daily.event_day >= newest.event_day - {bounds.trailing_days}
),
same_weekday as (
    select recent_days.* from recent_days, newest where mod(newest.event_day - recent_days.event_day, 7) = 0
),
history_days as (
    select * from same_weekday where (select count(*) from same_weekday) >= {bounds.min_history_days}
    union all
    select * from recent_days where (select count(*) from same_weekday) < {bounds.min_history_days}
),
history as (
    select
        median(amount) as median_amount,
        avg(amount) as mean_amount,
        stddev_samp(amount) as stddev_amount,
        median(records) as median_records,
        count(*) as days
    from history_days
)"""


def _judged(bounds: DailyBounds) -> str:
    return f"history.days >= {bounds.min_history_days} and history.median_records >= {bounds.min_daily_records}"


def _newest_day_against_history(day: str, value: str, records: str, bounds: DailyBounds, breach: str) -> str:
    """One row when the newest day's ``value`` breaches ``breach`` against its history, where it is judged."""
    return f"""{_daily_history(day, value, records, bounds)}
select newest.amount, history.median_amount, history.mean_amount, history.stddev_amount
from newest, history
where {_judged(bounds)} and ({breach})"""


def newest_day_not_judged(day: str, value: str, records: str, bounds: DailyBounds) -> str:
    """One row, with the reason, when the history is too short or too thin to judge the newest day by."""
    return f"""{_daily_history(day, value, records, bounds)}
select
    case
        when history.days < {bounds.min_history_days}
            then cast(history.days as varchar) || ' days of history in the {bounds.trailing_days} before the newest'
                || ' (at least {bounds.min_history_days} needed)'
        else 'the days before hold a median of ' || cast(cast(history.median_records as bigint) as varchar)
            || ' records a day (at least {bounds.min_daily_records} needed)'
    end as reason
from history
where not ({_judged(bounds)})"""


def newest_day_outside_median_ratio(day: str, value: str, records: str, bounds: DailyBounds) -> str:
    return _newest_day_against_history(
        day,
        value,
        records,
        bounds,
        f"newest.amount < history.median_amount * {bounds.min_ratio_to_median}"
        f" or newest.amount > history.median_amount * {bounds.max_ratio_to_median}",
    )


def newest_day_outside_stddevs(day: str, value: str, records: str, bounds: DailyBounds) -> str:
    return _newest_day_against_history(
        day,
        value,
        records,
        bounds,
        f"abs(newest.amount - history.mean_amount) > {bounds.max_stddevs} * history.stddev_amount",
    )


def newest_batch(schema: str) -> str:
    return f"select max(batch_id) from {schema}.stg_elt_meta__landed_files"
