"""The Snowpark compiler against fakesnow's server: the SQL it pushes down, rule for rule as DuckDB's.

fakesnow translates TYPEOF, FILTER and TRANSFORM to DuckDB's meanings, so the verdicts cannot be executed
here; what is checked is the one SELECT Snowpark sends, and that its rules are DuckDB's in the same order.
"""

import contextlib
import datetime as dt
from collections.abc import Iterator

import fakesnow
import pytest
import snowflake.connector
from snowflake.snowpark import Session
from snowflake.snowpark.exceptions import SnowparkSessionException

from elt.parsing import ParsingContract
from elt.parsing._duckdb import ContractCompiler
from elt.parsing._snowpark import SnowflakeRules, SnowparkParser


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    with fakesnow.server() as connection_kwargs:
        connection = snowflake.connector.connect(**connection_kwargs)
        session = Session.builder.configs({"connection": connection}).create()
        session.sql("create database if not exists db").collect()
        session.use_database("db")
        session.sql("create schema if not exists raw").collect()
        session.sql(
            "create or replace table raw.reviews (_airbyte_data varchar, _airbyte_raw_id varchar,"
            " _airbyte_extracted_at timestamp_tz, _ab_source_file_url varchar, _ab_source_file_line int)"
        ).collect()
        yield session
        with contextlib.suppress(SnowparkSessionException):  # fakesnow lacks system$cancel_all_queries
            session.close()  # while the server is up: it still closes the connection and forgets the session


def test_the_rules_are_duckdbs_in_the_same_order(contract: ParsingContract) -> None:
    for policy in ("quarantine", "report"):
        reporting = contract.model_copy(update={"undeclared_keys": policy})
        snowflake_reasons = [reason for _, reason, _ in SnowflakeRules(reporting).rules()]
        assert snowflake_reasons == [rule.reason for rule in ContractCompiler(reporting).rules()]


def test_one_select_judges_the_new_documents_in_snowflake(session: Session, contract: ParsingContract) -> None:
    judged = SnowparkParser(session).judged(contract, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    (sql,) = judged.queries["queries"]
    assert 'try_parse_json(_airbyte_data) AS "DOC"' in sql
    assert '_AIRBYTE_EXTRACTED_AT" > ' in sql
    whens = [part.split(" THEN ")[1].split()[0] for part in sql.split('AS "REASON"')[0].split(" WHEN ")[1:]]
    assert whens == [f"'{rule.reason}'" for rule in ContractCompiler(contract).rules()]
    assert "'$.rating.overall = ' || try_cast(get_path(DOC, 'rating.overall')::varchar as integer)" in sql
