"""A small audit build in plain DuckDB SQL: the marts and the relations the gate reads, consistent and clean.

Two batches: batch 1 brought the dimensions and the first five days (arriving yesterday morning), batch 2 the
sixth (newest) day, yesterday's (arriving this morning), so that freshness holds. Tests plant defects with SQL,
then call ``refresh_reports`` to recompute what dbt would derive (landed files, quarantine reasons,
reconciliation) from the planted rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from elt.catalog import load_catalog
from elt.quality import GateVerdict, SuiteContext, mart_suites, run_gate
from elt.settings import PROJECT_ROOT, GateSettings

BUILD = "audit_b000002_20260107t060000"
STREAMS = ("customers", "products", "locations", "sales", "reviews")
REGIONS = ("North", "South", "East", "West", "Central")
_TODAY = datetime.now(UTC).date()
BATCH_TIMES = {1: f"{_TODAY - timedelta(days=1)} 06:00:00+00", 2: f"{_TODAY} 06:00:00+00"}
OPTIONAL_FIELDS = load_catalog(PROJECT_ROOT / "airbyte" / "catalog.yml").optional_fields()

MARTS = f"""
create schema {BUILD};
create table {BUILD}.dim_date as
select
    cast(strftime(day, '%Y%m%d') as integer) as date_key,
    cast(day as date) as date_day,
    cast(month(day) as integer) as month,
    cast(day(day) as integer) as day_of_month,
    cast(isodow(day) as integer) as day_of_week
from generate_series(current_date - 6, current_date - 1, interval 1 day) as days(day);

create table {BUILD}.dim_customer as
select
    md5('c' || i) as customer_key, cast(i as bigint) as customer_id, 'city ' || (i % 5) as city,
    timestamp '1900-01-01' as valid_from, cast(null as timestamp) as valid_to, true as is_current,
    'raw-c-' || i as _airbyte_raw_id
from range(1, 51) as t(i);

create table {BUILD}.dim_product as
select
    md5('p' || i) as product_key, cast(i as bigint) as product_id, 'category ' || (i % 3) as category,
    cast(9.5 as decimal(18, 2)) as list_price
from range(1, 21) as t(i);

create table {BUILD}.dim_location as
select md5('l' || i) as location_key, cast(i as bigint) as location_id, {list(REGIONS)}[i] as region
from range(1, 6) as t(i);

-- Day n of 6 holds 100 + 5 * (n % 3) sales and 40 + n % 3 reviews: close to each other, not all equal.
create table fixture_days as
select date_day, date_key, cast(row_number() over (order by date_day) as integer) as day_no
from {BUILD}.dim_date;

create table {BUILD}.fct_sales_delta as
select
    cast(day_no * 1000 + n as bigint) as sale_id,
    md5('c' || (n % 50 + 1)) as customer_key,
    md5('p' || (n % 20 + 1)) as product_key,
    md5('l' || (n % 5 + 1)) as location_key,
    date_key,
    date_day + to_hours(cast(n % 12 as integer)) as sold_at,
    cast(2 as bigint) as quantity,
    cast(10 as decimal(18, 2)) as unit_price,
    cast(20 as decimal(18, 2)) as gross_amount,
    cast(1 as decimal(18, 2)) as discount_amount,
    cast(1.6 as decimal(18, 2)) as tax_amount,
    cast(20.6 as decimal(18, 2)) as net_amount,
    'raw-s-' || (day_no * 1000 + n) as _airbyte_raw_id
from fixture_days, range(100 + 5 * (day_no % 3)) as t(n);

create table {BUILD}.fct_reviews_delta as
select
    cast(day_no * 1000 + n as bigint) as review_id,
    md5('p' || (n % 20 + 1)) as product_key,
    date_key,
    date_day + to_hours(cast(n % 12 as integer)) as created_at,
    cast(n % 5 + 1 as integer) as rating_overall,
    cast(n % 5 + 1 as integer) as rating_value,
    cast(null as integer) as rating_quality,
    cast(n % 3 as bigint) as tag_count,
    cast(n % 4 as bigint) as helpful_vote_count,
    cast(n % 2 as bigint) as up_vote_count,
    'raw-r-' || (day_no * 1000 + n) as _airbyte_raw_id
from fixture_days, range(40 + day_no % 3) as t(n);

create table {BUILD}.sales_quarantine_delta as
select
    cast(900000 + i as bigint) as sale_id,
    'non_positive_quantity' as quarantine_reason,
    'quantity -1 is not positive' as detail,
    'raw-sq-' || i as _airbyte_raw_id,
    timestamptz '{BATCH_TIMES[1]}' as _airbyte_extracted_at
from range(2) as t(i);

-- A first build: what publishing it would hold is its delta (dbt's merged_publication).
create view {BUILD}.fct_sales as select * from {BUILD}.fct_sales_delta;
create view {BUILD}.fct_reviews as select * from {BUILD}.fct_reviews_delta;
create view {BUILD}.sales_quarantine as select * from {BUILD}.sales_quarantine_delta;

create table {BUILD}.stg_parsed__reviews_quarantine (
    quarantine_reason varchar, detail varchar, _airbyte_raw_id varchar, _airbyte_extracted_at timestamptz
);
create table {BUILD}.int_reviews__validated (quarantine_reason varchar, _airbyte_extracted_at timestamptz);
create table {BUILD}.int_reference_records__quarantined (
    stream varchar, quarantine_reason varchar, _airbyte_extracted_at timestamptz
);
"""

# A distribution defect: the newest day's sales three times over, revenue above 2x its history's median.
NEWEST_DAY_SALES_THREE_TIMES_OVER = "".join(
    f"insert into {BUILD}.fct_sales_delta select sale_id + {offset}, * exclude (sale_id, _airbyte_raw_id),"
    f" _airbyte_raw_id || '-{offset}' from {BUILD}.fct_sales"
    f" where date_key = (select max(date_key) from {BUILD}.dim_date) and sale_id < 1000000;"
    for offset in (1_000_000, 2_000_000)
)

# What dbt derives from the rows above; run again after planting defects.
_REPORTS = f"""
create or replace table {BUILD}.mart_daily_revenue as
select
    cast(s.sold_at as date) as date_day, l.region, p.category,
    cast(count(*) as bigint) as sales_count, cast(sum(s.net_amount) as decimal(18, 2)) as net_amount
from {BUILD}.fct_sales as s
inner join {BUILD}.dim_location as l on s.location_key = l.location_key
inner join {BUILD}.dim_product as p on s.product_key = p.product_key
group by all;

create or replace table {BUILD}.mart_product_ratings as
select
    p.product_key, cast(count(r.review_id) as bigint) as review_count,
    cast(avg(r.rating_overall) as double) as avg_rating_overall
from {BUILD}.dim_product as p
left join {BUILD}.fct_reviews as r on p.product_key = r.product_key
group by all;

create or replace table fixture_quarantined as
select 'sales' as stream, quarantine_reason as reason, _airbyte_extracted_at from {BUILD}.sales_quarantine
union all
select 'reviews', quarantine_reason, _airbyte_extracted_at from {BUILD}.stg_parsed__reviews_quarantine
union all
select 'reviews', quarantine_reason, _airbyte_extracted_at from {BUILD}.int_reviews__validated
where quarantine_reason is not null
union all
select stream, quarantine_reason, _airbyte_extracted_at from {BUILD}.int_reference_records__quarantined;

create or replace table {BUILD}.stg_elt_meta__landed_files as
with batch_times as (
    select * from (values (1, timestamptz '{BATCH_TIMES[1]}'), (2, timestamptz '{BATCH_TIMES[2]}'))
        as t(batch_id, extracted_at)
),
newest_day as (select max(date_day) as day from {BUILD}.dim_date),
valid as (
    select 'sales' as stream, cast(sold_at as date) = (select day from newest_day) as is_newest
    from {BUILD}.fct_sales
    union all
    select 'reviews', cast(created_at as date) = (select day from newest_day) from {BUILD}.fct_reviews
    union all
    select 'customers', false from {BUILD}.dim_customer
    union all
    select 'products', false from {BUILD}.dim_product
    union all
    select 'locations', false from {BUILD}.dim_location
),
records as (
    select stream, case when is_newest then 2 else 1 end as batch_id from valid
    union all
    select q.stream, b.batch_id from fixture_quarantined as q
    inner join batch_times as b on q._airbyte_extracted_at = b.extracted_at
)
select
    stream, stream || '/batch_' || batch_id || '.csv' as file_url, batch_id, 0 as generation_id,
    'checksum' as checksum, count(*) as records, 0 as unchanged, false as is_superseded, extracted_at
from records inner join batch_times using (batch_id)
group by all;

create or replace table {BUILD}.rpt_quarantine_reasons as
select stream, reason, cast(count(*) as bigint) as records from fixture_quarantined group by all;

create or replace table {BUILD}.rpt_reconciliation as
with landed as (
    select stream, sum(records) as landed from {BUILD}.stg_elt_meta__landed_files group by stream
),
quarantined as (select stream, sum(records) as quarantined from {BUILD}.rpt_quarantine_reasons group by stream),
valid as (
    select 'sales' as stream, count(*) as valid from {BUILD}.fct_sales
    union all select 'reviews', count(*) from {BUILD}.fct_reviews
    union all select 'customers', count(*) from {BUILD}.dim_customer
    union all select 'products', count(*) from {BUILD}.dim_product
    union all select 'locations', count(*) from {BUILD}.dim_location
)
select
    stream,
    cast(coalesce(landed, 0) as bigint) as landed,
    cast(coalesce(landed, 0) as bigint) as in_raw,
    cast(0 as bigint) as duplicates,
    cast(valid as bigint) as valid,
    cast(coalesce(quarantined, 0) as bigint) as quarantined,
    cast(coalesce(quarantined, 0) as double) / nullif(landed, 0) as quarantine_rate
from valid left join landed using (stream) left join quarantined using (stream);
"""


def refresh_reports(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_REPORTS)


@dataclass
class Warehouse:
    """A copy of the clean audit build for one test; ``plant`` runs SQL on it and refreshes the reports."""

    path: Path
    gx_dir: Path

    def plant(self, sql: str, *, refresh: bool = True) -> None:
        with duckdb.connect(str(self.path)) as con:
            con.execute(sql)
            if refresh:
                refresh_reports(con)

    def scalar(self, sql: str):
        with duckdb.connect(str(self.path), read_only=True) as con:
            row = con.execute(sql).fetchone()
        assert row is not None
        return row[0]

    def validate(
        self, gate: GateSettings | None = None, *, tables: tuple[str, ...] = (), last_published_batch: int | None = None
    ) -> GateVerdict:
        """Run the gate on this build: on ``tables`` only when given (faster; a fact with the rows its build
        adds), else on every mart."""
        context = SuiteContext(BUILD, STREAMS, REGIONS, last_published_batch, OPTIONAL_FIELDS)
        suites = mart_suites(context, gate or GateSettings())
        chosen = {r: e for r, e in suites.items() if not tables or r.removesuffix("_delta") in tables}
        return run_gate(f"duckdb:///{self.path}", BUILD, chosen, self.gx_dir)
