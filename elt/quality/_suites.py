"""Expectation suites as code, one per mart of the audit build.

Every expectation carries a check id (``<table>.<check>``, in its ``meta``) by which the gate's configuration
gives it a severity: ``critical`` (the default) closes the gate, ``warning`` is only reported. Thresholds come
from :class:`elt.settings.GateSettings`; all SQL runs on the engine (see ``_queries``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from elt.quality import _queries as q
from elt.settings import DailyBounds, GateSettings, Severity
from elt.warehouse import batch_quarantine_rates

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation

CHECK = "check"
OBSERVED = "observed"
UNJUDGED = "unjudged"


@dataclass(frozen=True)
class SuiteContext:
    """What the suites need to know about the build besides its tables."""

    build_schema: str
    streams: Sequence[str]
    accepted_regions: Sequence[str]
    last_published_batch: int | None = None
    # ``<stream>.<field>`` of the catalogue's fields that are not required: they may be empty.
    optional_fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Check:
    """One expectation as data: its check id, and the Great Expectations class and arguments it is built from.

    Great Expectations takes seconds to import; it is imported only when a gate runs, so a run with nothing new,
    or the settings naming checks at start, never pay for it.
    """

    id: str
    expectation: str
    arguments: dict[str, Any]
    observed: str | None = None
    # Where the configuration names no severity for the check.
    severity: Severity = Severity.CRITICAL
    # A query returning a row with a ``reason`` when the rule could not judge (it then passes): a note, not a warning.
    unjudged: str | None = None


class _Suite:
    """Collects one table's checks, each under its check id (``<table>.<check>``), validated on ``relation``.

    A fact's row rules are validated on the rows its build adds (``relation`` is its ``_delta``): the store's
    rows passed them when they were added and publishing merges by key, so the gate costs what arrived. Its
    table rules (row count against the reconciliation, freshness, daily volume) stay on the whole fact.
    """

    def __init__(self, table: str, relation: str | None = None) -> None:
        self.table = table
        self.relation = relation or table
        self.checks: list[Check] = []

    def add(
        self,
        check: str,
        expectation: str,
        *,
        observed: str | None = None,
        severity: Severity = Severity.CRITICAL,
        unjudged: str | None = None,
        **arguments: Any,
    ) -> _Suite:
        self.checks.append(Check(f"{self.table}.{check}", expectation, arguments, observed, severity, unjudged))
        return self

    def rows(
        self, check: str, description: str, query: str, observed: str | None = None, unjudged: str | None = None
    ) -> _Suite:
        """A rule as the query of the rows that break it; ``observed`` formats the first such row's columns
        (lower-cased names) as what was measured, else the row is shown as it is."""
        return self.add(
            check,
            "UnexpectedRowsExpectation",
            observed=observed,
            unjudged=unjudged,
            description=description,
            unexpected_rows_query=query,
        )

    def not_null(self, *columns: str) -> _Suite:
        for c in columns:
            self.add(f"{c}_not_null", "ExpectColumnValuesToNotBeNull", column=c, description=f"{c} is never null")
        return self

    def present(self, column: str, field: str, context: SuiteContext, gate: GateSettings) -> _Suite:
        """A column carrying the catalogue's ``field`` (``<stream>.<field>``): never null where the field is required;
        where it is optional, records without it are valid, so only a share above ``optional_null_rate_max`` is
        worth a warning (the check id is the same either way, so gate.yml may make it critical)."""
        if field not in context.optional_fields:
            return self.not_null(column)
        least = 1 - gate.optional_null_rate_max
        return self.add(
            f"{column}_not_null",
            "ExpectColumnValuesToNotBeNull",
            column=column,
            mostly=least,
            severity=Severity.WARNING,
            description=f"{column} is present in at least {least:.0%} of rows ({field} is optional in the catalogue)",
        )

    def unique(self, *columns: str) -> _Suite:
        for c in columns:
            self.add(f"{c}_unique", "ExpectColumnValuesToBeUnique", column=c, description=f"{c} is unique")
        return self

    def keys(self, *columns: str) -> _Suite:
        return self.not_null(*columns).unique(*columns)

    def between(self, column: str, low: float | None = None, high: float | None = None) -> _Suite:
        limits = (f"at least {low}" if low is not None else None, f"at most {high}" if high is not None else None)
        bounds = " and ".join(limit for limit in limits if limit)
        return self.add(
            f"{column}_range",
            "ExpectColumnValuesToBeBetween",
            column=column,
            min_value=low,
            max_value=high,
            description=f"{column} is {bounds}",
        )

    def has_rows(self) -> _Suite:
        return self.add("has_rows", "ExpectTableRowCountToBeBetween", min_value=1, description="has rows")

    def references(self, column: str, table: str, key: str, schema: str) -> _Suite:
        return self.rows(
            f"{column}_in_{table}",
            f"every {column} exists in {table}.{key}",
            q.not_in(column, f"{schema}.{table}", key),
        )


def _reconciled(suite: _Suite, schema: str, stream: str, column: str = "valid") -> _Suite:
    """Row count tied to the reconciliation: this table holds the stream's ``column`` records."""
    return suite.rows(
        "matches_reconciliation",
        f"row count = rpt_reconciliation.{column} of {stream}",
        q.differs(
            "select count(*) from {batch}",
            f"select {column} from {schema}.rpt_reconciliation where stream = '{stream}'",
        ),
        q.DIFFERS_OBSERVED,
    )


def _quarantine_rules(suite: _Suite, context: SuiteContext, gate: GateSettings) -> None:
    """The quarantine rate per batch, not over a stream's history: a rejected batch is judged once."""
    rates = batch_quarantine_rates(context.build_schema)
    newest = f"batch_id = ({q.newest_batch(context.build_schema)})"
    published = context.last_published_batch if context.last_published_batch is not None else -1
    for stream in context.streams:
        limit = gate.quarantine_threshold(stream)
        in_build = f"stream = '{stream}' and stream in (select stream from {{batch}})"
        suite.rows(
            "quarantine_rate",
            f"quarantine rate of {stream} in the newest batch is at most {limit:.2%}",
            f"select * from ({rates}) as rates where {in_build} and {newest} and quarantine_rate > {limit}",
            q.RATE_OBSERVED,
        )
        suite.rows(
            "earlier_batch_quarantine_rate",
            f"quarantine rate of {stream} in each unpublished earlier batch is at most {limit:.2%}",
            f"select * from ({rates}) as rates where {in_build} and not {newest}"
            f" and batch_id > {published} and quarantine_rate > {limit}",
            q.RATE_OBSERVED,
        )


def _daily(suite: _Suite, name: str, *, day: str, value: str, records: str, bounds: DailyBounds, label: str) -> None:
    """The newest day against its history (``q._daily_history``); where that is too short or thin, a note."""
    history = (
        f"the same weekday in the {bounds.trailing_days} days before (every day of them while fewer than"
        f" {bounds.min_history_days})"
    )
    suite.rows(
        f"{name}_within_median_ratio",
        f"{label} of the newest day is within {bounds.min_ratio_to_median:g}-"
        f"{bounds.max_ratio_to_median:g}x the median of {history}",
        q.newest_day_outside_median_ratio(day, value, records, bounds),
        "{amount:,.2f} on the newest day, median {median_amount:,.2f}",
        unjudged=q.newest_day_not_judged(day, value, records, bounds),
    )
    suite.rows(
        f"{name}_within_stddevs",
        f"{label} of the newest day is within {bounds.max_stddevs:g} standard deviations of {history}",
        q.newest_day_outside_stddevs(day, value, records, bounds),
        "{amount:,.2f} on the newest day, mean {mean_amount:,.2f} and standard deviation {stddev_amount:,.2f}",
    )


def _fresh(suite: _Suite, context: SuiteContext, gate: GateSettings, column: str, label: str) -> None:
    """Freshness against the newest batch's arrival; a first load is judged by its own newest record."""
    hours = gate.freshness_max_age_hours
    if context.last_published_batch is None:
        query, unjudged = q.rows_where("1 = 0"), "select 'a first load is judged by its own newest record' as reason"
    else:
        query, unjudged = q.stale_against_arrival(column, hours, context.build_schema), None
    suite.rows(
        "fresh",
        f"the newest {label} is at most {hours} hours older than the newest batch's arrival",
        query,
        q.OLDER_OBSERVED,
        unjudged=unjudged,
    )


def _suites(context: SuiteContext, gate: GateSettings) -> list[_Suite]:
    s = context.build_schema

    reconciliation = (
        _Suite("rpt_reconciliation")
        .add(
            "streams_match_catalogue",
            "ExpectColumnDistinctValuesToEqualSet",
            column="stream",
            value_set=list(context.streams),
            description="one row per catalogue stream",
        )
        .unique("stream")
        .rows("landed_equals_raw", "records landed = records in RAW", q.rows_where("landed <> in_raw"))
        .rows(
            "raw_accounted_for",
            "records in RAW = duplicates + valid + quarantined",
            q.rows_where("in_raw <> duplicates + valid + quarantined"),
        )
    )
    _quarantine_rules(reconciliation, context, gate)

    reasons = (
        _Suite("rpt_quarantine_reasons")
        .not_null("stream", "reason")
        .add(
            "stream_in_catalogue",
            "ExpectColumnValuesToBeInSet",
            column="stream",
            value_set=list(context.streams),
            description="stream is a catalogue stream",
        )
        .add(
            "stream_reason_unique",
            "ExpectCompoundColumnsToBeUnique",
            column_list=["stream", "reason"],
            description="one row per stream and reason",
        )
        .between("records", low=1)
        .rows(
            "matches_reconciliation",
            "records per stream = rpt_reconciliation.quarantined",
            f"select stream, quarantined, (select sum(records) from {{batch}} where stream = recon.stream) as records"
            f" from {s}.rpt_reconciliation as recon where quarantined <> coalesce("
            "(select sum(records) from {batch} where stream = recon.stream), 0)",
            "{records} records of {stream} against {quarantined} in rpt_reconciliation",
        )
    )

    quarantined_sales = _Suite("sales_quarantine", "sales_quarantine_delta").not_null(
        "quarantine_reason", "detail", "_airbyte_raw_id"
    )
    quarantined_sales.unique("_airbyte_raw_id")
    sales_quarantine = _Suite("sales_quarantine").rows(
        "matches_reasons",
        "row count = rpt_quarantine_reasons.records of sales",
        q.differs(
            "select count(*) from {batch}",
            f"select coalesce(sum(records), 0) from {s}.rpt_quarantine_reasons where stream = 'sales'",
        ),
    )

    sales = _Suite("fct_sales").has_rows()
    _reconciled(sales, s, "sales")
    _fresh(sales, context, gate, "sold_at", "sale")
    sale_rows = _Suite("fct_sales", "fct_sales_delta")
    sale_rows.keys("sale_id", "_airbyte_raw_id").not_null(
        "customer_key",
        "product_key",
        "location_key",
        "date_key",
        "sold_at",
        "unit_price",
        "gross_amount",
        "discount_amount",
        "tax_amount",
        "net_amount",
    )
    sale_rows.between("quantity", low=1).between("unit_price", low=0).between("tax_amount", low=0)
    sale_rows.rows(
        "discount_within_gross",
        "0 <= discount_amount <= gross_amount",
        q.rows_where("discount_amount < 0 or discount_amount > gross_amount"),
    )
    sale_rows.rows(
        "gross_amount",
        "gross_amount = quantity * unit_price",
        q.rows_where("gross_amount <> quantity * unit_price"),
    )
    sale_rows.rows(
        "net_amount",
        "net_amount = gross_amount - discount_amount + tax_amount",
        q.rows_where("net_amount <> gross_amount - discount_amount + tax_amount"),
    )
    for column, dimension in (
        ("customer_key", "dim_customer"),
        ("product_key", "dim_product"),
        ("location_key", "dim_location"),
        ("date_key", "dim_date"),
    ):
        sale_rows.references(column, dimension, column, s)

    review_rows = _Suite("fct_reviews", "fct_reviews_delta")
    review_rows.keys("review_id", "_airbyte_raw_id").not_null("product_key", "created_at", "rating_overall")
    for column in ("rating_overall", "rating_value", "rating_quality"):
        review_rows.between(column, low=1, high=5)
    for column in ("tag_count", "helpful_vote_count", "up_vote_count"):
        review_rows.between(column, low=0)
    review_rows.rows(
        "up_votes_within_votes",
        "up_vote_count <= helpful_vote_count",
        q.rows_where("up_vote_count > helpful_vote_count"),
    )
    review_rows.references("product_key", "dim_product", "product_key", s)
    review_rows.references("date_key", "dim_date", "date_key", s)
    reviews = _Suite("fct_reviews")
    _reconciled(reviews, s, "reviews")
    _fresh(reviews, context, gate, "created_at", "review")
    _daily(
        reviews,
        "daily_volume",
        day="cast(created_at as date)",
        value="count(*)",
        records="count(*)",
        bounds=gate.daily_reviews,
        label="review count",
    )

    customers = _Suite("dim_customer").has_rows()
    _reconciled(customers, s, "customers")
    customers.keys("customer_key", "_airbyte_raw_id").not_null("customer_id", "valid_from", "is_current")
    customers.rows(
        "one_current_version",
        "each customer has exactly one current version",
        f"select customer_id from {s}.dim_customer group by customer_id"
        " having sum(case when is_current then 1 else 0 end) <> 1"
        " and customer_id in (select customer_id from {batch})",
    )
    customers.rows(
        "validity_ordered",
        "valid_from < valid_to, and only the current version has no valid_to",
        q.rows_where("valid_to <= valid_from or (valid_to is null) <> is_current"),
    )

    products = _Suite("dim_product").has_rows()
    _reconciled(products, s, "products")
    # one row per product version: product_id repeats, product_key does not
    products.keys("product_key").not_null("product_id").between("list_price", low=0)
    products.present("category", "products.category", context, gate)

    locations = _Suite("dim_location").has_rows()
    _reconciled(locations, s, "locations")
    locations.keys("location_key", "location_id")
    if context.accepted_regions:  # a closed list of regions is the source's to give (dbt var accepted_regions)
        locations.add(
            "region_accepted",
            "ExpectColumnValuesToBeInSet",
            column="region",
            value_set=list(context.accepted_regions),
            description="region is an accepted region",
        )

    dates = (
        _Suite("dim_date")
        .keys("date_key", "date_day")
        .between("month", low=1, high=12)
        .between("day_of_month", low=1, high=31)
        .between("day_of_week", low=1, high=7)
    )

    revenue = (
        _Suite("mart_daily_revenue")
        .not_null("date_day", "net_amount")
        .present("region", "locations.region", context, gate)
        .present("category", "products.category", context, gate)
        .add(
            "day_region_category_unique",
            "ExpectCompoundColumnsToBeUnique",
            column_list=["date_day", "region", "category"],
            description="one row per day, region and category",
        )
        .between("sales_count", low=1)
        .rows(
            "matches_fct_sales",
            "sales and net_amount add up to fct_sales (to the cent)",
            "select mart.sales, mart.net, facts.sales as fact_sales, facts.net as fact_net"
            " from (select sum(sales_count) as sales, sum(net_amount) as net from {batch}) as mart,"
            f" (select count(*) as sales, sum(net_amount) as net from {s}.fct_sales) as facts"
            " where mart.sales <> facts.sales or abs(mart.net - facts.net) >= 0.01",
            "{sales} sales and {net:,.2f} net against {fact_sales} and {fact_net:,.2f} in fct_sales",
        )
    )
    _daily(
        revenue,
        "net_amount",
        day="date_day",
        value="sum(net_amount)",
        records="sum(sales_count)",
        bounds=gate.daily_revenue,
        label="net revenue",
    )

    ratings = (
        _Suite("mart_product_ratings")
        .keys("product_key")
        .between("review_count", low=0)
        .between("avg_rating_overall", low=1, high=5)
        .rows(
            "covers_products",
            "one row per dim_product row",
            q.differs("select count(*) from {batch}", f"select count(*) from {s}.dim_product"),
            q.DIFFERS_OBSERVED,
        )
        .rows(
            "matches_fct_reviews",
            "review_count adds up to fct_reviews",
            q.differs("select sum(review_count) from {batch}", f"select count(*) from {s}.fct_reviews"),
            q.DIFFERS_OBSERVED,
        )
    )

    return [
        reconciliation,
        reasons,
        quarantined_sales,
        sales_quarantine,
        sale_rows,
        sales,
        review_rows,
        reviews,
        customers,
        products,
        locations,
        dates,
        revenue,
        ratings,
    ]


def dbt_project_var(project_dir: Path, name: str) -> Any:
    """A ``vars:`` entry of the dbt project, so a rule dbt already states (accepted regions) is written once."""
    with (project_dir / "dbt_project.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["vars"][name]


def check_ids(suites: Iterable[_Suite]) -> set[str]:
    return {check.id for suite in suites for check in suite.checks}


def defined_check_ids(gate: GateSettings) -> set[str]:
    """Every check id the suites define: they do not depend on the build, only on the code (one stream stands in
    for the catalogue's, whose quarantine checks share their ids)."""
    return check_ids(_suites(SuiteContext(build_schema="build", streams=["stream"], accepted_regions=["region"]), gate))


GateSettings.define_checks(defined_check_ids)


def mart_suites(context: SuiteContext, gate: GateSettings) -> dict[str, list[Expectation]]:
    """The expectations per table of the audit build, each with the severity the configuration gives it."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.metadata_types import FailureSeverity

    severities = {Severity.CRITICAL: FailureSeverity.CRITICAL, Severity.WARNING: FailureSeverity.WARNING}
    suites = _suites(context, gate)
    gate.refuse_unknown_checks(check_ids(suites))
    built: dict[str, list[Expectation]] = {}
    for suite in suites:
        for check in suite.checks:
            expectation = getattr(gxe, check.expectation)(**check.arguments)
            expectation.meta = (
                {CHECK: check.id}
                | ({OBSERVED: check.observed} if check.observed else {})
                | ({UNJUDGED: check.unjudged} if check.unjudged else {})
            )
            expectation.severity = severities[gate.severity.get(check.id, check.severity)]
            built.setdefault(suite.relation, []).append(expectation)
    return built
