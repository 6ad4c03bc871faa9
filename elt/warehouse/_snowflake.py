"""The cloud warehouse: Snowflake through snowflake-connector-python, with key-pair authentication only.

Snowflake commits every DDL statement on its own, so the views of ``analytics`` cannot be repointed in one
transaction as on DuckDB. A publication is therefore built whole in a standby schema (views over the audited
build, cloned-and-merged tables for incremental facts), given the grants ``analytics`` has, and exchanged with
``analytics`` by one ``ALTER SCHEMA ... SWAP WITH``: readers see the old schema or the new one, never a mix.
After the swap the standby schema holds the previous publication, so swapping again rolls a publish back.

On the cloud profile a batch is an Airbyte sync job: Airbyte stamps every record's ``_airbyte_meta:sync_id``
with its job id, and job ids only grow, so the latest batch is the newest job that landed records in RAW.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from prefect.blocks.system import Secret
from snowflake.connector.cursor import SnowflakeCursor

from elt.settings import SnowflakeSettings
from elt.warehouse._base import (
    ANALYTICS_SCHEMA,
    BUILD_SCHEMA_PREFIX,
    META_SCHEMA,
    PARSED_SCHEMA,
    RAW_SCHEMA,
    SNAPSHOT_SCHEMA,
    Merge,
    Publication,
    ReaderExport,
    RunRecord,
    StreamFigures,
    abandoned_builds,
    builds_to_prune,
    check_publishable,
    reconciliation_queries,
    stream_figures,
)
from elt.warehouse._trends import (
    BatchQuarantine,
    daily_revenue_query,
    quarantine_by_batch,
    quarantine_rates_query,
    revenue_by_day,
)

STANDBY_SCHEMA = "analytics_standby"
"""The next publication while it is built; the previous one after the swap."""

QUERY_TAG = "retail_elt"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_PRIVILEGE = re.compile(r"[A-Z][A-Z ]*")
_TABLES = "select table_name from information_schema.tables where table_schema = %s"
_BUILD = re.compile(rf"{BUILD_SCHEMA_PREFIX}b\d+_(\d{{8}}t\d{{6}})", re.IGNORECASE)

_META_DDL = (
    f"create schema if not exists {RAW_SCHEMA}",
    f"create schema if not exists {PARSED_SCHEMA}",
    f"create schema if not exists {META_SCHEMA}",
    f"create schema if not exists {ANALYTICS_SCHEMA}",
    f"create schema if not exists {SNAPSHOT_SCHEMA}",
    f"""create table if not exists {META_SCHEMA}.batches (
        batch_id number(38, 0) primary key,
        extracted_at timestamp_tz not null
    )""",
    f"""create table if not exists {META_SCHEMA}.landed_files (
        stream varchar not null,
        file_url varchar not null,
        checksum varchar not null,
        records number(38, 0) not null,
        batch_id number(38, 0) not null,
        generation_id number(38, 0) not null,
        extracted_at timestamp_tz not null,
        superseded boolean not null default false
    )""",
    f"alter table {META_SCHEMA}.landed_files add column if not exists unchanged number(38, 0) default 0",
    f"""create table if not exists {META_SCHEMA}.publications (
        build_schema varchar not null,
        batch_id number(38, 0) not null,
        published_at timestamp_tz not null
    )""",
    f"""create table if not exists {META_SCHEMA}.runs (
        run_id varchar not null,
        status varchar not null,
        finished_at timestamp_tz not null,
        summary_json variant not null,
        summary_markdown varchar not null
    )""",
)


class SnowflakeConfigError(RuntimeError):
    """The cloud profile lacks a setting it needs (a private key, an account)."""


def ident(name: str) -> str:
    """An unquoted identifier, as dbt-snowflake writes them (Snowflake folds it to upper case).

    Names come from the catalogue, dbt and this module, never from data; anything else is refused.
    """
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain Snowflake identifier: {name!r}")
    return name


def quote(name: str) -> str:
    """A quoted identifier, for names read back from Snowflake exactly as stored."""
    return '"' + name.replace('"', '""') + '"'


def load_private_key(settings: SnowflakeSettings) -> PrivateKeyTypes:
    """The service user's key: the Prefect Secret block, else ``ELT_SNOWFLAKE_PRIVATE_KEY``, else the key file."""
    if settings.private_key_block:
        pem = str(Secret.load(settings.private_key_block).get())
    elif settings.private_key.get_secret_value():
        pem = settings.private_key.get_secret_value()
    elif settings.private_key_path:
        pem = settings.private_key_path.read_text(encoding="utf-8")
    else:
        raise SnowflakeConfigError(
            "no Snowflake private key: set ELT_SNOWFLAKE_PRIVATE_KEY_BLOCK, ELT_SNOWFLAKE_PRIVATE_KEY"
            " or ELT_SNOWFLAKE_PRIVATE_KEY_PATH"
        )
    passphrase = settings.private_key_passphrase.get_secret_value().encode() or None
    return serialization.load_pem_private_key(pem.encode(), password=passphrase)


class Session(Protocol):
    """The one seam every statement goes through: a connector cursor here, a recorder in tests."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...

    def show(self, sql: str) -> list[dict[str, Any]]: ...


class ConnectorSession:
    def __init__(self, cursor: SnowflakeCursor) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        self.cursor.execute(sql, tuple(params) or None)
        return list(self.cursor.fetchall()) if self.cursor.description else []

    def show(self, sql: str) -> list[dict[str, Any]]:
        """A SHOW command's rows by column name (lower case), since its columns vary between releases."""
        rows = self.execute(sql)
        names = [column.name.lower() for column in self.cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in rows]


class SnowflakeWarehouse:
    """The Warehouse on Snowflake. Each operation opens one session and closes it; a login is about a second."""

    def __init__(self, settings: SnowflakeSettings, raw_tables: Sequence[str]) -> None:
        self.settings = settings
        self.raw_tables = tuple(ident(name) for name in raw_tables)
        self._dbt_key_files: list[Path] = []

    @cached_property
    def _private_key(self) -> PrivateKeyTypes:
        return load_private_key(self.settings)

    def _private_key_der(self) -> bytes:
        return self._private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def _endpoint(self) -> dict[str, Any]:
        """Where Snowflake answers when not at the account's own address (a private link, a stand-in)."""
        if not self.settings.host:
            return {}
        return {"host": self.settings.host, "port": self.settings.port, "protocol": self.settings.protocol}

    def _require(self, *names: str) -> None:
        if missing := [name for name in names if not getattr(self.settings, name)]:
            raise SnowflakeConfigError(f"set {', '.join(f'ELT_SNOWFLAKE_{name.upper()}' for name in missing)}")

    def connection_parameters(self) -> dict[str, Any]:
        """What ``snowflake.connector.connect`` needs, and Snowpark's ``Session.builder.configs`` too.

        Without a role or warehouse the service user's defaults apply (Terraform sets both).
        """
        s = self.settings
        self._require("account", "user", "database")
        return {
            "account": s.account,
            "user": s.user,
            "database": s.database,
            **{name: value for name, value in (("role", s.role), ("warehouse", s.warehouse)) if value},
            "authenticator": "SNOWFLAKE_JWT",
            "private_key": self._private_key_der(),
            "session_parameters": {"QUERY_TAG": QUERY_TAG},
            **self._endpoint(),
        }

    @contextmanager
    def session(self) -> Iterator[Session]:
        with (
            closing(snowflake.connector.connect(**self.connection_parameters())) as connection,
            closing(connection.cursor()) as cursor,
        ):
            yield ConnectorSession(cursor)

    def run_lock(self, wait_seconds: float | None) -> AbstractContextManager[None]:
        """Nothing to hold here: runs on Snowflake are serialised by the Prefect global concurrency limit
        ``elt-warehouse-cloud`` (``elt prefect apply``), which every deployment and the CLI go through, across
        machines; a lock file on one machine would not see the others."""
        return nullcontext()

    def ensure_schemas(self) -> None:
        with self.session() as session:
            for statement in _META_DDL:
                session.execute(statement)

    def latest_batch(self) -> int | None:
        """The newest batch: recorded in ``batches`` by a sync, or the newest Airbyte job seen in RAW.

        The cloud sync records no batch today, so RAW decides. Per table the newest job is the one that wrote
        the newest ``_airbyte_extracted_at`` (a connection's jobs run one after another): the max of that column
        comes from Snowflake's partition metadata and the outer filter prunes to the partitions holding it, so
        this costs the same whatever the history. A job that landed nothing in any table is no new batch.
        """
        with self.session() as session:
            present = self._relations(session, RAW_SCHEMA)
            newest = [f"select max(batch_id) as batch_id from {META_SCHEMA}.batches"]
            newest += [
                f"select max(_airbyte_meta:sync_id::number) from {RAW_SCHEMA}.{table}"
                f" where _airbyte_extracted_at = (select max(_airbyte_extracted_at) from {RAW_SCHEMA}.{table})"
                for table in self.raw_tables
                if table.upper() in present
            ]
            ((batch,),) = session.execute(f"select max(batch_id) from ({' union all '.join(newest)})")
        return None if batch is None else int(batch)

    def last_publication(self) -> Publication | None:
        with self.session() as session:
            rows = session.execute(
                f"select build_schema, batch_id, published_at from {META_SCHEMA}.publications"
                " order by published_at desc limit 1"
            )
        return Publication(rows[0][0], int(rows[0][1]), rows[0][2]) if rows else None

    def reconciliation(self, build_schema: str) -> list[StreamFigures]:
        """Read the build's reconciliation, quarantine reasons and late arrivals (a handful of rows per stream)."""
        reasons_query, figures_query = reconciliation_queries(ident(build_schema))
        with self.session() as session:
            return stream_figures(session.execute(reasons_query), session.execute(figures_query))

    def daily_revenue(self, build_schema: str) -> list[tuple[date, Decimal]]:
        with self.session() as session:
            return revenue_by_day(session.execute(daily_revenue_query(ident(build_schema))))

    def quarantine_rates(self, build_schema: str) -> list[BatchQuarantine]:
        with self.session() as session:
            return quarantine_by_batch(session.execute(quarantine_rates_query(ident(build_schema))))

    def publish(
        self,
        build_schema: str,
        batch_id: int,
        relations: list[str],
        merges: Mapping[str, Merge] | None = None,
        run: RunRecord | None = None,
    ) -> list[str]:
        """Publish the build's ``relations`` by building the next ``analytics`` aside and swapping it in.

        A relation is a view over the build, unless ``merges`` names it: then it is a table, a zero-copy clone
        of the published one into which the build's delta is merged by the unique key, so the cost follows the
        delta, not the table's history. The published table is the store (dbt's ``store_schema`` is ``analytics``
        here): a store outside the swapped schema would change before readers are switched. Grants are replayed
        before the swap.
        A crash after the swap but before the publication is recorded makes the next run build and publish
        again: views are rebuilt and merges by key are idempotent, so nothing is doubled. ``run``, the publishing
        run's record, commits with the publication's: a run that dies after it is in the history.
        """
        merges = dict(merges or {})
        build = ident(build_schema)
        with self.session() as session:
            present = {name.lower() for name in self._relations(session, build)}
            check_publishable(build_schema, present, relations, merges)
            published_tables = self._relations(session, ANALYTICS_SCHEMA, "BASE TABLE")
            session.execute(f"drop schema if exists {STANDBY_SCHEMA} cascade")
            session.execute(f"create schema {STANDBY_SCHEMA} with managed access")
            for name in sorted(relations):
                if name in merges:
                    self._merge_into_standby(session, build, ident(name), merges[name], published_tables)
                else:
                    session.execute(f"create view {STANDBY_SCHEMA}.{ident(name)} as select * from {build}.{name}")
            self._replay_grants(session)
            # The publication itself: one statement, atomic for readers. fakesnow cannot run SWAP WITH, so the
            # tests check that this is the only statement between the replayed grants and the record below.
            session.execute(f"alter schema {STANDBY_SCHEMA} swap with {ANALYTICS_SCHEMA}")
            with _transaction(session):
                session.execute(
                    f"insert into {META_SCHEMA}.publications select %s, %s, current_timestamp()",
                    [build_schema, batch_id],
                )
                if run is not None:
                    self._record_run(session, run)
        return sorted(relations)

    @staticmethod
    def _merge_into_standby(session: Session, build: str, name: str, merge: Merge, published_tables: set[str]) -> None:
        target, source = f"{STANDBY_SCHEMA}.{name}", f"{build}.{ident(merge.delta)}"
        if name.upper() not in published_tables:
            session.execute(f"create table {target} as select * from {source}")  # its first publication
            return
        session.execute(f"create table {target} clone {ANALYTICS_SCHEMA}.{name}")
        columns = [
            quote(column)
            for (column,) in session.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
                " order by ordinal_position",
                [build.upper(), merge.delta.upper()],
            )
        ]
        key_columns = [quote(ident(column).upper()) for column in merge.unique_key]
        on = " and ".join(f"t.{column} = d.{column}" for column in key_columns)
        updates = ", ".join(f"{column} = d.{column}" for column in columns if column not in key_columns)
        matched = f" when matched then update set {updates}" if updates else ""
        if merge.withdrawn:
            session.execute(f"delete from {target} t using {build}.{ident(merge.withdrawn)} d where {on}")
        session.execute(
            f"merge into {target} t using {source} d on {on}{matched}"
            f" when not matched then insert ({', '.join(columns)}) values ({', '.join(f'd.{c}' for c in columns)})"
        )

    @staticmethod
    def _replay_grants(session: Session) -> None:
        """Give the standby schema what ``analytics`` grants to roles: on the schema, and on its tables and views
        (as future grants, and on the objects already there). Ownership is not replayed: the publisher owns it."""
        for grant in session.show(f"show grants on schema {ANALYTICS_SCHEMA}"):
            if grant["granted_to"] == "ROLE" and grant["privilege"] != "OWNERSHIP":
                session.execute(
                    f"grant {_privilege(grant['privilege'])} on schema {STANDBY_SCHEMA}"
                    f" to role {quote(grant['grantee_name'])}{_with_grant_option(grant)}"
                )
        for grant in session.show(f"show future grants in schema {ANALYTICS_SCHEMA}"):
            if grant["grant_to"] == "ROLE" and grant["privilege"] != "OWNERSHIP":
                objects = _privilege(grant["grant_on"].replace("_", " ")) + "S"
                to = f"to role {quote(grant['grantee_name'])}{_with_grant_option(grant)}"
                for scope in ("future", "all"):
                    session.execute(
                        f"grant {_privilege(grant['privilege'])} on {scope} {objects} in schema {STANDBY_SCHEMA} {to}"
                    )

    def export_for_readers(self) -> ReaderExport | None:
        """Nothing to export: readers query ``ANALYTICS`` itself. Snowflake's reads never lock, and the publish
        swaps the schema under them, so a reader never blocks a publish nor sees a mix."""
        return None

    def readers_location(self) -> str:
        return f"Snowflake {self.settings.database.upper() or '<ELT_SNOWFLAKE_DATABASE>'}.{ANALYTICS_SCHEMA.upper()}"

    def drop_tables(self, schema: str, tables: Iterable[str]) -> None:
        with self.session() as session:
            for table in tables:
                session.execute(f"drop table if exists {ident(schema)}.{ident(table)}")

    def prune_builds(self, keep: int) -> list[str]:
        """Drop all but the newest ``keep`` audit builds (by build time); the published build is always kept.

        Keep at least two to be able to swap back to the previous publication, whose views read its build.
        """
        published = self.last_publication()
        with self.session() as session:
            built_at = {
                name.lower(): match.group(1)
                for (name,) in session.execute(
                    "select schema_name from information_schema.schemata where startswith(schema_name, %s)",
                    [BUILD_SCHEMA_PREFIX.upper()],
                )
                if (match := _BUILD.fullmatch(name))
            }
            # By build time, not by name: Airbyte job ids outgrow the name's six digits.
            builds = sorted(built_at, key=built_at.__getitem__, reverse=True)
            doomed = builds_to_prune(builds, keep, published)
            for name in doomed:
                session.execute(f"drop schema {ident(name)} cascade")
        return doomed

    def drop_abandoned_builds(self, retry: str | None) -> list[str]:
        """Drop the audit builds that neither a publication nor a run's summary names, except ``retry``."""
        with self.session() as session:
            builds = [
                name.lower()
                for (name,) in session.execute(
                    "select schema_name from information_schema.schemata where startswith(schema_name, %s)",
                    [BUILD_SCHEMA_PREFIX.upper()],
                )
                if _BUILD.fullmatch(name)
            ]
            finished = session.execute(
                f"select build_schema from {META_SCHEMA}.publications"
                f" union select summary_json:build_schema::varchar from {META_SCHEMA}.runs"
            )
            doomed = abandoned_builds(builds, [name for (name,) in finished if name], retry)
            for name in doomed:
                session.execute(f"drop schema {ident(name)} cascade")
        return doomed

    def save_run(self, run_id: str, status: str, summary_json: str, summary_markdown: str) -> None:
        """Record the run, replacing the record its publish made, if any."""
        with self.session() as session, _transaction(session):
            self._record_run(session, RunRecord(run_id, status, summary_json, summary_markdown))

    @staticmethod
    def _record_run(session: Session, run: RunRecord) -> None:
        session.execute(f"delete from {META_SCHEMA}.runs where run_id = %s", [run.run_id])
        session.execute(
            f"insert into {META_SCHEMA}.runs select %s, %s, current_timestamp(), parse_json(%s), %s",
            [run.run_id, run.status, run.summary_json, run.summary_markdown],
        )

    def last_run(self, skip_status: str | None = None) -> RunRecord | None:
        with self.session() as session:
            if "RUNS" not in self._relations(session, META_SCHEMA):
                return None
            rows = session.execute(
                f"select run_id, status, to_json(summary_json), summary_markdown from {META_SCHEMA}.runs"
                " where status is distinct from %s order by finished_at desc limit 1",
                [skip_status],
            )
        return RunRecord(*rows[0]) if rows else None

    def dbt_env(self, build_schema: str) -> dict[str, str]:
        """What dbt's ``cloud`` target reads (dbt/profiles.yml): the connection, and the key as a file.

        A key file given in the settings is passed as it is. A key from a Secret block or the environment is
        written for dbt encrypted under a passphrase made for this invocation, which only the environment carries,
        and the file is removed by ``release_dbt_connections``. dbt's profile names the role and warehouse
        (an empty one would reach Snowflake as ''), so both must be set.
        """
        s = self.settings
        self._require("account", "user", "database", "role", "warehouse")
        if s.private_key_path and not (s.private_key_block or s.private_key.get_secret_value()):
            key_path, passphrase = str(s.private_key_path), s.private_key_passphrase.get_secret_value()
        else:
            key_path, passphrase = self._write_dbt_key()
        return {
            "ELT_DBT_TARGET": "cloud",
            "ELT_BUILD_SCHEMA": build_schema,
            "ELT_STORE_SCHEMA": ANALYTICS_SCHEMA.upper(),
            "SNOWFLAKE_ACCOUNT": s.account,
            "SNOWFLAKE_USER": s.user,
            "SNOWFLAKE_ROLE": s.role,
            "SNOWFLAKE_WAREHOUSE": s.warehouse,
            "SNOWFLAKE_DATABASE": s.database,
            "SNOWFLAKE_PRIVATE_KEY_PATH": key_path,
            "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": passphrase,
            "SNOWFLAKE_HOST": s.host or "",
            "SNOWFLAKE_PORT": str(s.port),
            "SNOWFLAKE_PROTOCOL": s.protocol,
        }

    def _write_dbt_key(self) -> tuple[str, str]:
        passphrase = secrets.token_urlsafe(32)
        descriptor, name = tempfile.mkstemp(prefix="elt-dbt-key-", suffix=".p8")  # readable by this user only
        with os.fdopen(descriptor, "wb") as sink:
            sink.write(
                self._private_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(passphrase.encode()),
                )
            )
        self._dbt_key_files.append(Path(name))
        return name, passphrase

    def release_dbt_connections(self) -> None:
        """dbt-snowflake closes its sessions itself; what is left is the key file written for the invocation."""
        while self._dbt_key_files:
            self._dbt_key_files.pop().unlink(missing_ok=True)

    def sqlalchemy_url(self) -> str:
        """The snowflake-sqlalchemy URL, with no secret in it: see ``sqlalchemy_connect_args`` for the key.

        snowflake-sqlalchemy 1.11 refuses ``private_key_file``, ``host`` and ``protocol`` in a URL's query.
        """
        from snowflake.sqlalchemy import URL

        s = self.settings
        return URL(account=s.account, user=s.user, database=s.database, warehouse=s.warehouse, role=s.role)

    def sqlalchemy_connect_args(self) -> dict[str, Any]:
        """``create_engine(url, connect_args=...)``: the private key (DER bytes) and any endpoint override."""
        return {"private_key": self._private_key_der(), **self._endpoint()}

    @staticmethod
    def _relations(session: Session, schema: str, table_type: str | None = None) -> set[str]:
        """The names (upper case, as stored) of a schema's tables and views, or of its tables of one type.

        Views are read from ``information_schema.views`` as well: Snowflake lists them in both, fakesnow only there.
        """
        if table_type:
            sql, params = _TABLES + " and table_type = %s", [schema.upper(), table_type]
        else:
            sql, params = (
                f"{_TABLES} union select table_name from information_schema.views where table_schema = %s",
                [
                    schema.upper(),
                    schema.upper(),
                ],
            )
        return {name for (name,) in session.execute(sql, params)}


@contextmanager
def _transaction(session: Session) -> Iterator[None]:
    """Statements that commit together (DML only: Snowflake commits DDL on its own)."""
    session.execute("begin")
    try:
        yield
    except BaseException:
        session.execute("rollback")
        raise
    session.execute("commit")


def _privilege(text: str) -> str:
    """A privilege or object type as SHOW prints it (``USAGE``, ``CREATE TABLE``); checked before use in SQL."""
    if not _PRIVILEGE.fullmatch(text):
        raise ValueError(f"unexpected privilege in SHOW GRANTS: {text!r}")
    return text


def _with_grant_option(grant: Mapping[str, Any]) -> str:
    return " with grant option" if str(grant.get("grant_option", "")).lower() == "true" else ""
