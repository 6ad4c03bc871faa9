"""The Snowpark compiler against fakesnow's server, compared row for row with DuckDB's on the shared fixture.

fakesnow translates TYPEOF, FILTER and TRANSFORM to DuckDB's meanings, and Snowpark's local testing cannot run
try_parse_json, get_path or flatten, so no stand-in can judge a document the Snowflake way. That part
(``SnowparkParser._judge``) is small: its SQL is checked here, rule for rule against DuckDB's, and the rest of the
job runs for real on fakesnow with DuckDB's verdicts given, so the comparison covers the reading after the
watermark, the typed columns, the child tables, the quarantine with its batch, and the watermark's update.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

import fakesnow
import pytest
import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from review_defects import DEFECTS
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark.exceptions import SnowparkSessionException, SnowparkSQLException
from snowflake.snowpark.functions import col, sql_expr

from elt.parsing import DuckDBParser, ParseResult, ParsingContract
from elt.parsing._duckdb import ContractCompiler
from elt.parsing._snowpark import SnowflakeRules, SnowparkParser
from elt.settings import Profile, Settings, SnowflakeSettings
from elt.warehouse import SnowflakeWarehouse
from tasks import parse as parse_task

RAW_COLUMNS = "_airbyte_raw_id, _airbyte_extracted_at, _ab_source_file_url, _ab_source_file_line"


@pytest.fixture(scope="module")
def fakesnow_endpoint() -> Iterator[dict[str, Any]]:
    with fakesnow.server(host="127.0.0.1") as connection_kwargs:
        yield connection_kwargs


@pytest.fixture(scope="module")
def session(fakesnow_endpoint: dict[str, Any]) -> Iterator[Session]:
    # fakesnow's login returns no master token, so the connector cannot delete the session on close and would
    # never mark itself closed: Snowpark's exit hook would then query the stopped server ("connection refused"
    # noise at exit). Keeping the server-side session alive skips that delete.
    connection = snowflake.connector.connect(**fakesnow_endpoint, server_session_keep_alive=True)
    session = Session.builder.configs({"connection": connection}).create()
    session.sql("create database if not exists db").collect()
    session.use_database("db")
    session.sql("create schema if not exists raw").collect()
    session.sql("create schema if not exists elt_meta").collect()
    yield session
    try:  # while the server is up
        session.close()
    except SnowparkSessionException:  # fakesnow lacks system$cancel_all_queries; the connection still closes
        assert connection.is_closed()


@pytest.fixture
def snowflake_raw(session: Session) -> Session:
    session.sql(
        "create or replace table raw.reviews (_airbyte_data varchar, _airbyte_raw_id varchar,"
        " _airbyte_extracted_at timestamp_tz, _airbyte_meta variant, _ab_source_file_url varchar,"
        " _ab_source_file_line int)"
    ).collect()
    for statement in ("drop schema if exists parsed cascade", "drop table if exists elt_meta.parse_state"):
        session.sql(statement).collect()
    return session


class _GivenVerdicts(SnowparkParser):
    """The Snowpark job with the verdicts of table ``raw.verdicts`` in place of the rules no stand-in can run."""

    def _judge(self, contract: ParsingContract, documents: DataFrame) -> DataFrame:
        verdicts = documents.session.table("raw.verdicts")
        return documents.join(verdicts, on="_airbyte_raw_id", how="left").select(
            col("*"), sql_expr("parse_json(undeclared_json)").alias("UNDECLARED")
        )


def _copy_raw_and_verdicts(warehouse, contract: ParsingContract, session: Session) -> None:
    """RAW as DuckDB holds it, and DuckDB's verdict per record, into fakesnow."""
    compiler = ContractCompiler(contract)
    with warehouse.connect() as con:
        raw = con.execute(f"select _airbyte_data, {RAW_COLUMNS}, _airbyte_meta::varchar from raw.reviews").fetchall()
        con.execute(f"create temp table judged as {compiler.judged_select('$w')}", {"w": "-infinity"})
        con.execute(compiler.repeated_keys_update("judged"))
        verdicts = con.execute(
            "select _airbyte_raw_id, verdict.reason, verdict.detail, to_json(undeclared)::varchar from judged"
        ).fetchall()
    cursor = session.connection.cursor()
    for document, raw_id, extracted_at, url, line, meta in raw:
        cursor.execute(
            f"insert into raw.reviews (_airbyte_data, {RAW_COLUMNS}, _airbyte_meta)"
            " select %s, %s, %s, %s, %s, parse_json(%s)",
            (document, raw_id, extracted_at, url, line, meta),
        )
    cursor.execute(
        "create or replace table raw.verdicts (_airbyte_raw_id varchar, reason varchar, detail varchar,"
        " undeclared_json varchar)"
    )
    for row in verdicts:
        cursor.execute("insert into raw.verdicts values (%s, %s, %s, %s)", row)


# The same rows read from both warehouses: timestamps as text (fakesnow's server turns NULL ones into 1970).
OUTPUTS = {
    "reviews": "select review_id, product_id, customer_id, created_at::varchar, rating_overall, rating_value,"
    f" rating_quality, title, body, verified_purchase, {RAW_COLUMNS.replace('_ab_source_file_line', 'batch_id')}"
    " from parsed.reviews",
    "review_tags": "select review_id, tag_position, tag, _airbyte_raw_id from parsed.review_tags",
    "review_helpful_votes": "select review_id, vote_position, user_id, vote, voted_at::varchar, _airbyte_raw_id"
    " from parsed.review_helpful_votes",
    "reviews_quarantine": f"select {RAW_COLUMNS}, document, reason, detail, batch_id from parsed.reviews_quarantine",
}


def _rows(fetch: Any) -> dict[str, list[tuple]]:
    return {
        table: sorted((tuple(_plain(v) for v in row) for row in fetch(sql)), key=repr) for table, sql in OUTPUTS.items()
    }


def _plain(value: Any) -> Any:
    """One spelling per value: DuckDB and the connector return timestamps with time zones differently."""
    return value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value


def test_both_compilers_parse_the_shared_fixture_to_the_same_rows(
    warehouse, contract, land, snowflake_raw: Session
) -> None:
    documents = [doc for doc, _ in DEFECTS.values()]
    land(documents, batch=7)
    later = list(DEFECTS)[2:5]  # a later batch: one valid document, two defects
    land([DEFECTS[name][0] for name in later], extracted_at="2026-01-02 00:00:00+00", batch=8)
    duckdb_result = DuckDBParser(warehouse).parse(contract)
    _copy_raw_and_verdicts(warehouse, contract, snowflake_raw)
    parser = _GivenVerdicts(lambda: nullcontext(snowflake_raw))

    snowpark_result = parser.parse(contract)
    again = parser.parse(contract)

    with warehouse.connect(read_only=True) as con:
        expected = _rows(lambda sql: con.execute(sql).fetchall())
    assert all(expected.values())
    assert _rows(lambda sql: [tuple(r) for r in snowflake_raw.sql(sql).collect()]) == expected
    assert snowpark_result == duckdb_result
    quarantined = [name for name, (_, reason) in DEFECTS.items() if reason] + [n for n in later if DEFECTS[n][1]]
    assert (again.documents, len(expected["reviews_quarantine"])) == (0, len(quarantined))
    ((watermark,),) = snowflake_raw.sql(
        "select extracted_at from elt_meta.parse_state where stream = 'reviews'"
    ).collect()
    assert _plain(watermark) == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def test_reparse_replaces_the_output_idempotently(warehouse, contract, land, snowflake_raw: Session) -> None:
    land([doc for doc, _ in DEFECTS.values()])
    land([DEFECTS["valid"][0], DEFECTS["extra key"][0]], extracted_at="2026-01-05 00:00:00+00", batch=2)
    DuckDBParser(warehouse).parse(contract)
    _copy_raw_and_verdicts(warehouse, contract, snowflake_raw)
    parser = _GivenVerdicts(lambda: nullcontext(snowflake_raw))
    parser.parse(contract)

    later = parser.reparse(contract, dt.datetime(2026, 1, 3, tzinfo=dt.UTC))
    everything = parser.reparse(contract)
    everything_again = parser.reparse(contract)

    with warehouse.connect(read_only=True) as con:
        expected = _rows(lambda sql: con.execute(sql).fetchall())
    assert _rows(lambda sql: [tuple(r) for r in snowflake_raw.sql(sql).collect()]) == expected
    assert (later.documents, everything.documents, everything_again) == (2, len(DEFECTS) + 2, everything)


def test_the_parse_task_runs_the_snowpark_job_on_the_cloud_profile(
    warehouse, contract, land, snowflake_raw: Session, *, fakesnow_endpoint: dict[str, Any], monkeypatch
) -> None:
    land([doc for doc, _ in DEFECTS.values()])
    expected_result = DuckDBParser(warehouse).parse(contract)
    _copy_raw_and_verdicts(warehouse, contract, snowflake_raw)
    monkeypatch.setattr(SnowparkParser, "_judge", _GivenVerdicts._judge)
    # What fakesnow lacks, for the sessions the adapter opens: system$cancel_all_queries, and a session delete
    # (see the session fixture).
    monkeypatch.setattr(Session, "cancel_all", lambda _: None)
    parameters = SnowflakeWarehouse.connection_parameters
    monkeypatch.setattr(
        SnowflakeWarehouse, "connection_parameters", lambda w: {**parameters(w), "server_session_keep_alive": True}
    )
    reported: list[ParseResult] = []
    monkeypatch.setattr(parse_task, "report_drift", reported.append)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    settings = Settings(
        profile=Profile.CLOUD,
        snowflake=SnowflakeSettings(
            account="fakesnow",
            user="ELT_TRANSFORMER",
            role="TRANSFORMER",
            warehouse="TRANSFORMING",
            database="db",
            private_key=SecretStr(pem.decode()),
            host=fakesnow_endpoint["host"],
            port=fakesnow_endpoint["port"],
            protocol="http",
        ),
    )

    results = parse_task.parse_documents.fn(settings)

    assert results == reported == [expected_result]
    with warehouse.connect(read_only=True) as con:
        expected = _rows(lambda sql: con.execute(sql).fetchall())
    assert _rows(lambda sql: [tuple(r) for r in snowflake_raw.sql(sql).collect()]) == expected


class _FailingLastInsert(_GivenVerdicts):
    def outputs(self, contract: ParsingContract, judged: DataFrame) -> dict[str, DataFrame]:
        return {**super().outputs(contract, judged), "no_such_table": judged.select(col("_airbyte_raw_id"))}


def test_a_failed_insert_leaves_no_output_and_no_watermark(warehouse, contract, land, snowflake_raw: Session) -> None:
    land([doc for doc, _ in DEFECTS.values()])
    _copy_raw_and_verdicts(warehouse, contract, snowflake_raw)

    with pytest.raises(SnowparkSQLException):
        _FailingLastInsert(lambda: nullcontext(snowflake_raw)).parse(contract)

    counts = [snowflake_raw.table(f"parsed.{table}").count() for table in OUTPUTS]
    assert (counts, snowflake_raw.table("elt_meta.parse_state").count()) == ([0, 0, 0, 0], 0)


def _duckdb_reasons(contract: ParsingContract) -> list[str]:
    """DuckDB's reasons in the order applied: its CASE's, with duplicate_key (applied by an update) second."""
    first, *rest = [rule.reason for rule in ContractCompiler(contract).rules()]
    return [first, "duplicate_key", *rest]


def test_the_rules_are_duckdbs_in_the_same_order(contract: ParsingContract) -> None:
    for policy in ("quarantine", "report"):
        reporting = contract.model_copy(update={"undeclared_keys": policy})
        snowflake_reasons = [reason for _, reason, _ in SnowflakeRules(reporting).rules()]
        assert snowflake_reasons == _duckdb_reasons(reporting)


def test_snowflake_reads_each_value_from_its_json_kind_only_and_refuses_repeated_keys(
    contract: ParsingContract,
) -> None:
    """The SQL, checked here: no stand-in runs it (fakesnow answers TYPEOF with DuckDB's names, has no CHECK_JSON
    and ignores TRY_PARSE_JSON's 'd'). In Snowflake, TYPEOF of a VARIANT is INTEGER, DECIMAL, DOUBLE, VARCHAR,
    BOOLEAN, ARRAY, OBJECT or NULL_VALUE, and CHECK_JSON gives the strict parser's error ('duplicate object
    attribute "overall", pos 95'), NULL for a document without repeated keys."""
    rules = {detail: condition for condition, _, detail in SnowflakeRules(contract).rules()}

    assert rules["'duplicate key: ' || check_json(_airbyte_data) || ' (a key may appear once in an object)'"] == (
        "check_json(_airbyte_data) is not null"
    )
    title = rules["'$.title must be varchar (a JSON string), got ' || typeof(get_path(DOC, 'title'))"]
    assert "typeof(get_path(DOC, 'title')) not in ('VARCHAR') or" in title
    overall = rules[
        "'$.rating.overall must be integer (a JSON integer), got ' || typeof(get_path(DOC, 'rating.overall'))"
    ]
    assert "typeof(get_path(DOC, 'rating.overall')) not in ('INTEGER') or" in overall
    created = rules["'$.created_at must be timestamp (a JSON string), got ' || typeof(get_path(DOC, 'created_at'))"]
    assert "not in ('VARCHAR') or try_cast(get_path(DOC, 'created_at')::varchar as timestamp_ntz) is null" in created
    assert "typeof(e) not in ('VARCHAR')" in rules["'elements of $.tags must be varchar (a JSON string)'"]
    user = rules["'$.helpful_votes[].user_id must be bigint (a JSON integer)'"]
    assert "typeof(get_path(e, 'user_id')) not in ('INTEGER')" in user


def test_one_select_judges_the_new_documents_in_snowflake(session: Session, contract: ParsingContract) -> None:
    session.sql(
        "create or replace table raw.reviews (_airbyte_data varchar, _airbyte_raw_id varchar,"
        " _airbyte_extracted_at timestamp_tz, _airbyte_meta variant)"
    ).collect()
    parser = SnowparkParser(lambda: nullcontext(session))

    judged = parser.judged(session, contract, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    (sql,) = judged.queries["queries"]
    assert "try_parse_json(_airbyte_data, 'd') AS \"DOC\"" in sql
    assert '_airbyte_meta:sync_id::number AS "BATCH_ID"' in sql
    assert '_AIRBYTE_EXTRACTED_AT" > ' in sql
    whens = [part.split(" THEN ")[1].split()[0] for part in sql.split('AS "REASON"')[0].split(" WHEN ")[1:]]
    assert whens == [f"'{reason}'" for reason in _duckdb_reasons(contract)]
    assert "'$.rating.overall = ' || try_cast(get_path(DOC, 'rating.overall')::varchar as integer)" in sql
