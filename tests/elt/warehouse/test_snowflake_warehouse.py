"""The Snowflake warehouse against a fakesnow server on 127.0.0.1, started here and stopped after.

Everything fakesnow runs is run for real: the meta tables, latest_batch, runs, reconciliation, the views and the
clone+merge of a publication, prune_builds. fakesnow has no grants and cannot run ``ALTER SCHEMA ... SWAP WITH``
(stack notes), so a recording session stands in for Snowflake on exactly those statements (SHOW GRANTS answers
from a fixed grant list, GRANT and the swap are recorded only); every statement publish issues is recorded.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import great_expectations.expectations as gxe
import pytest
import snowflake.connector
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from great_expectations.expectations.expectation import Expectation
from prefect.blocks.system import Secret
from pydantic import SecretStr
from servers import free_port, listening

from elt.adapters import adapters_for
from elt.quality import run_gate
from elt.quality._suites import CHECK
from elt.settings import PROJECT_ROOT, Profile, Settings, SnowflakeSettings
from elt.warehouse import (
    STORE_SCHEMA,
    BatchQuarantine,
    DuckDBWarehouse,
    Merge,
    RunRecord,
    SnowflakeWarehouse,
    StreamFigures,
    build_schema_name,
)
from elt.warehouse._snowflake import STANDBY_SCHEMA, Session, SnowflakeConfigError

BUILD = "audit_b000007_20261124t130501"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
# What Terraform grants on ANALYTICS (terraform/modules/snowflake), in the columns Snowflake's SHOW prints.
SCHEMA_GRANTS = [
    {"privilege": "OWNERSHIP", "granted_to": "ROLE", "grantee_name": "TRANSFORMER", "grant_option": "true"},
    {"privilege": "USAGE", "granted_to": "ROLE", "grantee_name": "REPORTER", "grant_option": "false"},
    {"privilege": "USAGE", "granted_to": "ROLE", "grantee_name": "TRANSFORMER", "grant_option": "true"},
]
FUTURE_GRANTS = [
    {
        "privilege": "SELECT",
        "grant_on": "TABLE",
        "grant_to": "ROLE",
        "grantee_name": "REPORTER",
        "grant_option": "false",
    },
    {
        "privilege": "SELECT",
        "grant_on": "VIEW",
        "grant_to": "ROLE",
        "grantee_name": "REPORTER",
        "grant_option": "false",
    },
]
# Statements fakesnow cannot run: answered or recorded by the recording session instead.
NOT_ON_FAKESNOW = re.compile(r"^(grant |alter schema \w+ swap with )", re.IGNORECASE)
_databases = itertools.count(1)
DBT_TIMEOUT_SECONDS = 300


@pytest.fixture(scope="module")
def fakesnow_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``fakesnow -s`` on a free loopback port, stopped (SIGINT) after the module's tests.

    A process rather than ``fakesnow.server()`` in a thread: importing ``fakesnow.server`` replaces that
    function with the submodule of the same name, breaking other test modules that call it.
    """
    port = free_port()
    log = tmp_path_factory.mktemp("fakesnow") / "server.log"
    command = [str(Path(sys.executable).parent / "fakesnow"), "-s", "-p", str(port), "--host", "127.0.0.1"]
    with listening(command, port, log, stop=signal.SIGINT):  # fakesnow's server stops on SIGINT
        yield {
            "user": "fake",
            "password": "snow",
            "account": "fakesnow",
            "host": "127.0.0.1",
            "port": port,
            "protocol": "http",
        }


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def settings(fakesnow_endpoint: dict[str, Any], private_key_pem: str) -> SnowflakeSettings:
    """A fresh database per test on the shared server, reached with key-pair settings as in production."""
    database = f"ELT_TEST_{next(_databases)}"
    with _bootstrap(fakesnow_endpoint) as cursor:
        cursor.execute(f"create database {database}")
    return SnowflakeSettings(
        account="fakesnow",
        user="ELT_TRANSFORMER",
        role="TRANSFORMER",
        warehouse="TRANSFORMING",
        database=database,
        private_key=SecretStr(private_key_pem),
        host="127.0.0.1",
        port=fakesnow_endpoint["port"],
        protocol="http",
    )


@pytest.fixture
def warehouse(settings: SnowflakeSettings) -> RecordingWarehouse:
    warehouse = RecordingWarehouse(settings, ["sales", "reviews"])
    warehouse.ensure_schemas()
    warehouse.statements.clear()
    return warehouse


@contextmanager
def _bootstrap(endpoint: dict[str, Any]) -> Iterator[snowflake.connector.cursor.SnowflakeCursor]:
    with closing(snowflake.connector.connect(**endpoint)) as connection, closing(connection.cursor()) as cursor:
        yield cursor


class RecordingSession:
    """Records every statement; runs it on fakesnow unless fakesnow lacks it (grants, the swap)."""

    def __init__(self, inner: Session, statements: list[str]) -> None:
        self.inner = inner
        self.statements = statements

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        self.statements.append(sql)
        if NOT_ON_FAKESNOW.match(sql):
            return []
        # fakesnow parses no schema options; the clause is recorded above and checked by the tests.
        return self.inner.execute(sql.removesuffix(" with managed access"), params)

    def show(self, sql: str) -> list[dict[str, Any]]:
        self.statements.append(sql)
        answers = {
            "show grants on schema analytics": SCHEMA_GRANTS,
            "show future grants in schema analytics": FUTURE_GRANTS,
        }
        return answers[sql]


class RecordingWarehouse(SnowflakeWarehouse):
    def __init__(self, settings: SnowflakeSettings, raw_tables: Sequence[str]) -> None:
        super().__init__(settings, raw_tables)
        self.statements: list[str] = []

    @contextmanager
    def session(self) -> Iterator[Session]:
        with super().session() as inner:
            yield RecordingSession(inner, self.statements)


def _sql(warehouse: SnowflakeWarehouse, *statements: str) -> list[tuple]:
    """Run set-up statements and return the last one's rows, through the adapter's own (real) session."""
    with SnowflakeWarehouse.session(warehouse) as session:
        rows: list[tuple] = []
        for statement in statements:
            rows = session.execute(statement)
        return rows


def _build(warehouse: SnowflakeWarehouse, delta_rows: str = "(2, 'b2'), (3, 'c')") -> None:
    """An audit build as dbt leaves it: an incremental fact's delta table and its would-be publication (a view)."""
    _sql(
        warehouse,
        f"create schema {BUILD}",
        f"create table {BUILD}.fct_sales_delta (sale_id int, label varchar)",
        f"insert into {BUILD}.fct_sales_delta values {delta_rows}",
        f"create view {BUILD}.fct_sales as select * from {BUILD}.fct_sales_delta",
        f"create table {BUILD}.dim_customer as select 1 as customer_key, 'x' as name",
        f"create view {BUILD}.mart_daily_revenue as select count(*) as sales from {BUILD}.fct_sales",
    )


def test_meta_tables_have_the_shape_of_the_local_ones(warehouse: RecordingWarehouse, tmp_path: Path) -> None:
    warehouse.ensure_schemas()  # a second time: idempotent
    local = DuckDBWarehouse(tmp_path / "w.duckdb")
    local.ensure_schemas()
    query = (
        "select lower(table_name), lower(column_name) from information_schema.columns"
        " where lower(table_schema) = 'elt_meta' order by 1, ordinal_position"
    )
    with closing(duckdb.connect(str(local.path))) as con:
        # published_days is the readers' snapshot's bookkeeping: local only, Snowflake's readers query ANALYTICS
        expected = [row for row in con.execute(query).fetchall() if row[0] != "published_days"]

    assert _sql(warehouse, query) == expected
    assert {table for table, _ in expected} == {"batches", "landed_files", "publications", "runs"}
    schemas = "select lower(schema_name) from information_schema.schemata"
    with closing(duckdb.connect(str(local.path))) as con:
        local_schemas = {name for (name,) in con.execute(schemas).fetchall()} - {"main", "pg_catalog"}
    # The same schemas but the store: on Snowflake an incremental fact's store is its table in analytics.
    assert local_schemas - {STORE_SCHEMA} <= {name for (name,) in _sql(warehouse, schemas)}


def _airbyte_meta(job_id: int) -> str:
    """The ``_airbyte_meta`` Airbyte's Snowflake destination writes: the sync job's id and the record's changes."""
    return f'parse_json(\'{{"sync_id": {job_id}, "changes": []}}\')'


def test_latest_batch_is_the_newest_airbyte_job_in_raw(warehouse: RecordingWarehouse) -> None:
    assert warehouse.latest_batch() is None
    _sql(
        warehouse,
        "create table raw.sales (sale_id int, _airbyte_extracted_at timestamp_tz, _airbyte_meta variant)",
        "insert into raw.sales select 1, '2026-11-20 06:00:00+00:00', " + _airbyte_meta(41),
        "insert into raw.sales select 2, '2026-11-21 06:00:00+00:00', " + _airbyte_meta(45),
    )
    # "reviews" is in the catalogue but Airbyte has not created its table yet: it is skipped, not an error.
    assert warehouse.latest_batch() == 45

    _sql(warehouse, "insert into elt_meta.batches select 46, current_timestamp()")
    assert warehouse.latest_batch() == 46


def test_runs_are_saved_and_the_last_summary_read_back(settings: SnowflakeSettings) -> None:
    warehouse = SnowflakeWarehouse(settings, [])
    assert warehouse.last_run() is None  # no meta schema yet

    warehouse.ensure_schemas()
    warehouse.save_run("run-1", "Completed", '{"batch": 1}', "# first")
    warehouse.save_run("run-2", "Failed", '{"batch": 2, "gate": "closed"}', "# second")

    assert warehouse.last_run() == RunRecord("run-2", "Failed", '{"batch":2,"gate":"closed"}', "# second")
    assert warehouse.last_run(skip_status="Failed").summary_markdown == "# first"
    warehouse.save_run("run-1", "Completed", '{"batch": 1, "reported": true}', "# first, reported")
    assert _sql(warehouse, "select run_id, summary_markdown from elt_meta.runs order by run_id") == [
        ("run-1", "# first, reported"),
        ("run-2", "# second"),
    ], "a run has one record: its last"
    assert _sql(warehouse, "select summary_json:gate::varchar from elt_meta.runs where run_id = 'run-2'") == [
        ("closed",)
    ]


def test_reconciliation_reads_the_builds_figures(warehouse: RecordingWarehouse) -> None:
    _sql(
        warehouse,
        f"create schema {BUILD}",
        f"create table {BUILD}.rpt_reconciliation (stream varchar, landed int, in_raw int, duplicates int,"
        " valid int, quarantined int, quarantine_rate double)",
        f"insert into {BUILD}.rpt_reconciliation values ('reviews', 10, 10, 0, 8, 2, 0.2),"
        " ('sales', 5, 5, 1, 4, 0, null)",
        f"create table {BUILD}.rpt_quarantine_reasons (stream varchar, reason varchar, records int)",
        f"insert into {BUILD}.rpt_quarantine_reasons values ('reviews', 'invalid_json', 1), ('reviews', 'no_id', 1)",
        f"create table {BUILD}.rpt_late_arrivals (stream varchar, held int, released int)",
        f"insert into {BUILD}.rpt_late_arrivals values ('sales', 3, 2)",
    )

    figures = warehouse.reconciliation(BUILD)

    assert figures == [
        StreamFigures("reviews", 10, 10, 0, 8, 2, 0.2, {"invalid_json": 1, "no_id": 1}),
        StreamFigures("sales", 5, 5, 1, 4, 0, 0.0, {}, held=3, released=2),
    ]
    assert all(f.balanced for f in figures)


def test_the_charts_aggregates_are_read_from_the_build(warehouse: RecordingWarehouse) -> None:
    """Net revenue per day and the quarantine rate per batch: the same SQL as DuckDB's, run on Snowflake's."""
    at = {1: "2026-11-20 06:00:00+00:00", 2: "2026-11-21 06:00:00+00:00"}
    _sql(
        warehouse,
        f"create schema {BUILD}",
        f"create table {BUILD}.mart_daily_revenue (date_day date, region varchar, net_amount number(18, 2))",
        f"insert into {BUILD}.mart_daily_revenue values ('2026-11-20', 'North', 10.50), ('2026-11-20', 'South', 4.25),"
        " ('2026-11-19', 'North', 7.00)",
        f"create table {BUILD}.stg_elt_meta__landed_files (stream varchar, batch_id int, records int, unchanged int,"
        " is_superseded boolean, extracted_at timestamp_tz)",
        f"insert into {BUILD}.stg_elt_meta__landed_files values ('sales', 1, 8, 2, false, '{at[1]}'),"
        f" ('sales', 2, 4, 0, false, '{at[2]}'), ('reviews', 2, 5, 0, false, '{at[2]}')",
        f"create table {BUILD}.sales_quarantine (_airbyte_extracted_at timestamp_tz)",
        f"insert into {BUILD}.sales_quarantine values ('{at[1]}'), ('{at[2]}'), ('{at[2]}')",
        f"create table {BUILD}.stg_parsed__reviews_quarantine (_airbyte_extracted_at timestamp_tz)",
        f"create table {BUILD}.int_reviews__validated (quarantine_reason varchar, _airbyte_extracted_at timestamp_tz)",
        f"insert into {BUILD}.int_reviews__validated values (null, '{at[2]}'), ('no_rating', '{at[2]}')",
        f"create table {BUILD}.int_reference_records__quarantined (stream varchar, _airbyte_extracted_at timestamp_tz)",
    )

    assert warehouse.daily_revenue(BUILD) == [
        (dt.date(2026, 11, 19), Decimal("7.00")),
        (dt.date(2026, 11, 20), Decimal("14.75")),
    ]
    assert warehouse.quarantine_rates(BUILD) == [
        BatchQuarantine("sales", 1, 10, 1, 0.1),
        BatchQuarantine("reviews", 2, 5, 1, 0.2),
        BatchQuarantine("sales", 2, 4, 2, 0.5),
    ]


def test_publish_builds_the_next_publication_aside_then_swaps_it_in(warehouse: RecordingWarehouse) -> None:
    _build(warehouse)

    published = warehouse.publish(BUILD, 7, ["mart_daily_revenue", "dim_customer"])

    assert published == ["dim_customer", "mart_daily_revenue"]
    standby = STANDBY_SCHEMA
    tables = "select table_name from information_schema.tables where table_schema = %s"
    assert warehouse.statements == [
        f"{tables} union select table_name from information_schema.views where table_schema = %s",
        f"{tables} and table_type = %s",
        f"drop schema if exists {standby} cascade",
        f"create schema {standby} with managed access",
        f"create view {standby}.dim_customer as select * from {BUILD}.dim_customer",
        f"create view {standby}.mart_daily_revenue as select * from {BUILD}.mart_daily_revenue",
        "show grants on schema analytics",
        f'grant USAGE on schema {standby} to role "REPORTER"',
        f'grant USAGE on schema {standby} to role "TRANSFORMER" with grant option',
        "show future grants in schema analytics",
        f'grant SELECT on future TABLES in schema {standby} to role "REPORTER"',
        f'grant SELECT on all TABLES in schema {standby} to role "REPORTER"',
        f'grant SELECT on future VIEWS in schema {standby} to role "REPORTER"',
        f'grant SELECT on all VIEWS in schema {standby} to role "REPORTER"',
        f"alter schema {standby} swap with analytics",
        "begin",
        "insert into elt_meta.publications select %s, %s, current_timestamp()",
        "commit",
    ]
    # What the swap would bring in, read for real: the standby's views over the audited build.
    assert _sql(warehouse, f"select sales from {standby}.mart_daily_revenue") == [(2,)]
    publication = warehouse.last_publication()
    assert publication is not None
    assert (publication.build_schema, publication.batch_id) == (BUILD, 7)


def test_grants_are_replayed_before_the_swap_and_the_swap_is_the_last_change(warehouse: RecordingWarehouse) -> None:
    _build(warehouse)

    warehouse.publish(BUILD, 7, ["dim_customer"], run=RunRecord("run-7", "published", '{"batch_id": 7}', "# 7"))

    statements = warehouse.statements
    swap = statements.index(f"alter schema {STANDBY_SCHEMA} swap with analytics")
    grants = [i for i, s in enumerate(statements) if s.startswith("grant ")]
    creates = [i for i, s in enumerate(statements) if s.startswith(("create view", "create table", "merge"))]
    assert grants and max(grants) < swap and max(creates) < swap
    assert not any("OWNERSHIP" in s for s in statements if s.startswith("grant "))
    # After the swap only the publication and its run are recorded, together: nothing readers could see half-done.
    assert statements[swap + 1 :] == [
        "begin",
        "insert into elt_meta.publications select %s, %s, current_timestamp()",
        "delete from elt_meta.runs where run_id = %s",
        "insert into elt_meta.runs select %s, %s, current_timestamp(), parse_json(%s), %s",
        "commit",
    ]
    assert _sql(warehouse, "select run_id, summary_json:batch_id::int from elt_meta.runs") == [("run-7", 7)]


def test_an_incremental_fact_is_cloned_and_merged_by_its_key(warehouse: RecordingWarehouse) -> None:
    _sql(
        warehouse,
        "create table analytics.fct_sales (sale_id int, label varchar)",
        "insert into analytics.fct_sales values (1, 'a'), (2, 'b')",
    )
    _build(warehouse, delta_rows="(2, 'b2'), (3, 'c')")  # one corrected sale, one new

    warehouse.publish(BUILD, 7, ["fct_sales", "dim_customer"], {"fct_sales": Merge("fct_sales_delta", ("sale_id",))})

    assert f"create table {STANDBY_SCHEMA}.fct_sales clone analytics.fct_sales" in warehouse.statements
    merge = next(s for s in warehouse.statements if s.startswith("merge into"))
    assert merge == (
        f'merge into {STANDBY_SCHEMA}.fct_sales t using {BUILD}.fct_sales_delta d on t."SALE_ID" = d."SALE_ID"'
        ' when matched then update set "LABEL" = d."LABEL"'
        ' when not matched then insert ("SALE_ID", "LABEL") values (d."SALE_ID", d."LABEL")'
    )
    assert _sql(warehouse, f"select sale_id, label from {STANDBY_SCHEMA}.fct_sales order by 1") == [
        (1, "a"),
        (2, "b2"),
        (3, "c"),
    ]
    # The clone is a copy: the published table is untouched until the swap.
    assert _sql(warehouse, "select sale_id, label from analytics.fct_sales order by 1") == [(1, "a"), (2, "b")]


def test_the_first_publication_of_an_incremental_fact_copies_the_build(warehouse: RecordingWarehouse) -> None:
    _build(warehouse, delta_rows="(1, 'a')")

    warehouse.publish(BUILD, 7, ["fct_sales"], {"fct_sales": Merge("fct_sales_delta", ("sale_id",))})

    assert f"create table {STANDBY_SCHEMA}.fct_sales as select * from {BUILD}.fct_sales_delta" in warehouse.statements
    assert not any(s.startswith("merge") for s in warehouse.statements)
    assert _sql(warehouse, f"select sale_id, label from {STANDBY_SCHEMA}.fct_sales") == [(1, "a")]


def test_a_build_missing_a_relation_changes_nothing(warehouse: RecordingWarehouse) -> None:
    _build(warehouse)

    with pytest.raises(ValueError, match=r"missing relations \['fct_reviews', 'fct_reviews_delta'\]"):
        warehouse.publish(BUILD, 7, ["fct_sales", "fct_reviews"], {"fct_reviews": Merge("fct_reviews_delta", ("id",))})

    assert all(s.startswith("select") for s in warehouse.statements)
    assert warehouse.last_publication() is None


def test_prune_keeps_the_newest_builds_and_the_published_one(warehouse: RecordingWarehouse) -> None:
    # Oldest first. Airbyte job ids outgrow six digits, so names alone would sort the newest build last.
    builds = [build_schema_name(job, dt.datetime(2026, 11, 24, hour)) for job, hour in ((1, 9), (2, 10), (3, 11))]
    builds += [build_schema_name(999_999, dt.datetime(2026, 11, 24, 12))]
    builds += [build_schema_name(1_000_000, dt.datetime(2026, 11, 24, 13))]
    _sql(warehouse, "create schema audit", *(f"create schema {b}" for b in builds))
    _sql(warehouse, f"insert into elt_meta.publications select '{builds[0]}', 1, current_timestamp()")

    dropped = warehouse.prune_builds(keep=2)

    assert dropped == [builds[2], builds[1]]
    schemas = {name for (name,) in _sql(warehouse, "select lower(schema_name) from information_schema.schemata")}
    assert {builds[0], builds[3], builds[4], "audit"} <= schemas  # the published build and Terraform's AUDIT stay
    assert not {builds[1], builds[2]} & schemas


def test_drop_tables_drops_the_named_tables_that_exist_and_nothing_else(warehouse: RecordingWarehouse) -> None:
    _build(warehouse)

    warehouse.drop_tables(BUILD, ["dim_customer", "int_gone"])

    tables = {
        name.lower()
        for (name,) in _sql(
            warehouse, f"select table_name from information_schema.tables where table_schema = '{BUILD.upper()}'"
        )
    }
    assert "dim_customer" not in tables
    assert "fct_sales_delta" in tables
    assert _sql(warehouse, f"select count(*) from {BUILD}.fct_sales") == [(2,)]


def test_builds_no_publication_or_run_names_are_dropped_except_the_one_to_retry(warehouse: RecordingWarehouse) -> None:
    builds = [build_schema_name(job, dt.datetime(2026, 11, 24, 9)) for job in range(1, 6)]
    _sql(warehouse, "create schema audit", *(f"create schema {b}" for b in builds))
    _sql(warehouse, f"insert into elt_meta.publications select '{builds[0]}', 1, current_timestamp()")
    warehouse.save_run("gated", "gate closed", f'{{"build_schema": "{builds[1]}"}}', "# closed")
    warehouse.save_run("quiet", "up to date", '{"build_schema": null}', "# nothing to do")

    dropped = warehouse.drop_abandoned_builds(retry=builds[4])

    assert dropped == [builds[2], builds[3]]
    schemas = {name for (name,) in _sql(warehouse, "select lower(schema_name) from information_schema.schemata")}
    assert {builds[0], builds[1], builds[4], "audit"} <= schemas  # Terraform's AUDIT is no build
    assert not {builds[2], builds[3]} & schemas


def test_dbt_env_hands_dbt_an_encrypted_key_file_that_release_removes(warehouse: RecordingWarehouse) -> None:
    env = warehouse.dbt_env(BUILD)

    assert env["ELT_DBT_TARGET"] == "cloud"
    assert env["ELT_BUILD_SCHEMA"] == BUILD
    assert env["ELT_STORE_SCHEMA"] == "ANALYTICS", "the delta compares with the published fact tables"
    assert (env["SNOWFLAKE_HOST"], env["SNOWFLAKE_PROTOCOL"]) == ("127.0.0.1", "http")
    key_file = Path(env["SNOWFLAKE_PRIVATE_KEY_PATH"])
    pem = key_file.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    assert key_file.stat().st_mode & 0o077 == 0
    with pytest.raises(TypeError):  # useless without the passphrase, which only the environment carries
        serialization.load_pem_private_key(pem, password=None)
    serialization.load_pem_private_key(pem, password=env["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"].encode())

    warehouse.release_dbt_connections()

    assert not key_file.exists()


def test_dbt_connects_with_what_dbt_env_gives_it(warehouse: RecordingWarehouse, tmp_path: Path) -> None:
    """dbt's own check of the ``cloud`` target in dbt/profiles.yml, key-pair auth through the one-off key file."""
    dbt = str(Path(sys.executable).parent / "dbt")
    project = str(DBT_PROJECT_DIR)
    env = warehouse.dbt_env(BUILD)
    try:
        debug = subprocess.run(
            [dbt, "debug", "--target", "cloud", "--project-dir", project, "--profiles-dir", project],
            env={**os.environ, **env, "DBT_LOG_PATH": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=DBT_TIMEOUT_SECONDS,
            check=False,
        )
    finally:
        warehouse.release_dbt_connections()

    assert debug.returncode == 0, debug.stdout[-3000:]
    assert "Connection test: [OK connection ok]" in debug.stdout


def test_a_key_file_from_the_settings_is_handed_to_dbt_as_it_is(settings: SnowflakeSettings, tmp_path: Path) -> None:
    key_file = tmp_path / "rsa_key.p8"
    key_file.write_text(settings.private_key.get_secret_value())
    by_path = settings.model_copy(update={"private_key": SecretStr(""), "private_key_path": key_file})

    env = SnowflakeWarehouse(by_path, []).dbt_env(BUILD)

    assert (env["SNOWFLAKE_PRIVATE_KEY_PATH"], env["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"]) == (str(key_file), "")


def test_sqlalchemy_url_carries_no_secret_and_connects_with_its_connect_args(warehouse: RecordingWarehouse) -> None:
    url = warehouse.sqlalchemy_url()
    assert "PRIVATE" not in url.upper()
    assert url.startswith("snowflake://ELT_TRANSFORMER")

    engine = sa.create_engine(url, connect_args=warehouse.sqlalchemy_connect_args())
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("select count(*) from elt_meta.runs")).scalar() == 0
    finally:
        engine.dispose()


def test_the_gate_validates_a_build_over_the_sqlalchemy_url_and_connect_args(
    warehouse: RecordingWarehouse, private_key_pem: str, tmp_path: Path
) -> None:
    """The cloud gate's path (tasks/gate.py): GX on snowflake-sqlalchemy, logged in with the key, nothing saved."""
    _sql(
        warehouse,
        f"create schema {BUILD}",
        f"create table {BUILD}.fct_orders (order_id number, amount number(10, 2))",
        f"insert into {BUILD}.fct_orders values (1, 10.00), (2, 5.50), (2, 7.25)",
    )
    suites = {
        "fct_orders": [
            _check(gxe.ExpectColumnValuesToNotBeNull(column="order_id"), "fct_orders.order_id_not_null"),
            _check(gxe.ExpectColumnValuesToBeUnique(column="order_id"), "fct_orders.order_id_unique"),
        ]
    }

    verdict = run_gate(warehouse.sqlalchemy_url(), BUILD, suites, tmp_path / "gx", warehouse.sqlalchemy_connect_args())

    assert verdict.evaluated == 2
    assert [(f.check, f.unexpected) for f in verdict.failed] == [("fct_orders.order_id_unique", 2)]
    assert verdict.data_docs is not None and verdict.data_docs.is_file()
    der = warehouse.sqlalchemy_connect_args()["private_key"]
    # The key as PEM, as one base64 line, as raw DER and as the repr a serialised config would hold.
    key_forms = [private_key_pem.encode(), "".join(private_key_pem.splitlines()[1:-1]).encode(), der]
    key_forms.append(repr(der)[2:66].encode())
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert [path for path in written if any(form in path.read_bytes() for form in key_forms)] == []


def _check(expectation: Expectation, check: str) -> Expectation:
    """An expectation under its check id, as the suites of elt/quality tag theirs."""
    expectation.meta = {CHECK: check}
    return expectation


def test_connection_uses_the_key_pair_and_never_a_password(warehouse: RecordingWarehouse) -> None:
    parameters = warehouse.connection_parameters()

    assert parameters["authenticator"] == "SNOWFLAKE_JWT"
    assert "password" not in parameters
    assert serialization.load_der_private_key(parameters["private_key"], password=None)


def test_the_cloud_profile_uses_the_snowflake_warehouse(settings: SnowflakeSettings) -> None:
    adapters = adapters_for(Settings(profile=Profile.CLOUD, snowflake=settings))

    assert isinstance(adapters.warehouse, SnowflakeWarehouse)
    assert adapters.warehouse.raw_tables == tuple(stream.name for stream in adapters.catalog.streams)
    adapters.warehouse.ensure_schemas()
    assert adapters.warehouse.latest_batch() is None


def test_the_key_comes_from_a_prefect_secret_block(settings: SnowflakeSettings, prefect_server: str) -> None:
    Secret(value=settings.private_key.get_secret_value()).save("snowflake-transformer-key-test", overwrite=True)
    from_block = settings.model_copy(
        update={"private_key": SecretStr(""), "private_key_block": "snowflake-transformer-key-test"}
    )
    warehouse = SnowflakeWarehouse(from_block, [])

    warehouse.ensure_schemas()  # a real login with the block's key

    assert warehouse.last_publication() is None


def test_missing_connection_settings_are_named(settings: SnowflakeSettings) -> None:
    incomplete = settings.model_copy(update={"account": "", "database": ""})

    with pytest.raises(SnowflakeConfigError, match=r"set ELT_SNOWFLAKE_ACCOUNT, ELT_SNOWFLAKE_DATABASE$"):
        SnowflakeWarehouse(incomplete, []).ensure_schemas()


def test_dbt_needs_the_role_and_warehouse_the_connector_may_default(settings: SnowflakeSettings) -> None:
    without = settings.model_copy(update={"role": "", "warehouse": ""})

    assert "role" not in SnowflakeWarehouse(without, []).connection_parameters()
    with pytest.raises(SnowflakeConfigError, match=r"set ELT_SNOWFLAKE_ROLE, ELT_SNOWFLAKE_WAREHOUSE$"):
        SnowflakeWarehouse(without, []).dbt_env("audit_b000001_x")


def test_withdrawn_sales_are_deleted_from_the_clone_and_the_delta_merged(warehouse: RecordingWarehouse) -> None:
    _sql(
        warehouse,
        "create table analytics.fct_sales (sale_id int, label varchar)",
        "insert into analytics.fct_sales values (1, 'a'), (2, 'b'), (4, 'd')",
    )
    _build(warehouse, delta_rows="(3, 'c')")
    _sql(warehouse, f"create table {BUILD}.fct_sales_withdrawn as select 1 as sale_id union all select 4")

    merge = Merge("fct_sales_delta", ("sale_id",), withdrawn="fct_sales_withdrawn")
    warehouse.publish(BUILD, 7, ["fct_sales"], {"fct_sales": merge})

    assert (
        f'delete from {STANDBY_SCHEMA}.fct_sales t using {BUILD}.fct_sales_withdrawn d where t."SALE_ID" = d."SALE_ID"'
        in warehouse.statements
    )
    assert _sql(warehouse, f"select sale_id, label from {STANDBY_SCHEMA}.fct_sales order by 1") == [
        (2, "b"),
        (3, "c"),
    ]
