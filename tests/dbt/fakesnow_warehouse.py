"""A fakesnow server on 127.0.0.1 holding the fixture warehouse's sources, so the `cloud` target can build offline.

The sources get the same rows as the DuckDB fixture warehouse (dbt_project_fixture.py), in the types of Airbyte's
Snowflake destination, so a cloud build can be compared with the local one figure for figure.
"""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dbt_project_fixture import DDL, TABLES
from servers import free_port, listening

DATABASE = "ANALYTICS_DB"
# The DuckDB fixture's types that Snowflake spells differently (Airbyte writes _airbyte_meta as a VARIANT).
SNOWFLAKE_TYPES = {"timestamptz": "timestamp_tz", "json": "variant"}
VARIANT_COLUMNS = {"_airbyte_meta"}


@contextmanager
def fakesnow_server(log: Path) -> Iterator[int]:
    """Run `fakesnow -s` on a free loopback port (in-memory databases) and stop it afterwards; yields the port."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "fakesnow"), "-s", "-p", str(port), "--host", "127.0.0.1"]
    with listening(command, port, log, stop=signal.SIGINT):  # fakesnow's server stops on SIGINT
        yield port


def connect(port: int) -> snowflake.connector.SnowflakeConnection:
    """A connector session on the fakesnow server (fakesnow accepts any credentials)."""
    return snowflake.connector.connect(
        user="fake",
        password="snow",
        account="fakesnow",
        host="127.0.0.1",
        port=port,
        protocol="http",
        database=DATABASE,
        session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
    )


def _snowflake_ddl() -> list[str]:
    ddl = DDL
    for duckdb_type, snowflake_type in SNOWFLAKE_TYPES.items():
        ddl = re.sub(rf"\b{duckdb_type}\b", snowflake_type, ddl)
    return [statement for statement in ddl.split(";") if statement.strip()]


def create_sources(port: int) -> None:
    """Create the source schemas and tables and load the fixture rows, one multi-row insert per table."""
    with closing(connect(port)) as connection, closing(connection.cursor()) as cursor:
        cursor.execute(f"create database if not exists {DATABASE}")
        cursor.execute(f"use database {DATABASE}")
        for statement in _snowflake_ddl():
            cursor.execute(statement)
        for table, rows in TABLES.items():
            if not rows:
                continue
            cursor.execute(f"select * from {table} limit 0")
            columns = [column.name.lower() for column in cursor.description]
            values = ", ".join(
                f"parse_json(column{i})" if name in VARIANT_COLUMNS else f"column{i}"
                for i, name in enumerate(columns, start=1)
            )
            row = "(" + ", ".join(["%s"] * len(columns)) + ")"
            cursor.execute(
                f"insert into {table} select {values} from values {', '.join([row] * len(rows))}",
                [value for record in rows for value in record],
            )


def write_private_key(path: Path, passphrase: str) -> None:
    """An encrypted PKCS#8 RSA key, as Snowflake's key-pair authentication uses (fakesnow does not check it)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
