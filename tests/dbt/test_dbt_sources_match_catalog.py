"""dbt's raw sources declare exactly the catalogue's streams and fields (airbyte/catalog.yml is the contract)."""

from __future__ import annotations

import pytest
import yaml
from dbt_project_fixture import DBT_PROJECT_DIR

from elt.catalog import load_catalog

REPO = DBT_PROJECT_DIR.parent
SOURCES = DBT_PROJECT_DIR / "models" / "staging" / "retail" / "_retail__sources.yml"
AIRBYTE_COLUMNS = [
    ("_airbyte_raw_id", "varchar"),
    ("_airbyte_extracted_at", "timestamptz"),
    ("_airbyte_meta", "json"),
    ("_airbyte_generation_id", "bigint"),
    ("_ab_source_file_url", "varchar"),
    ("_ab_source_file_line", "bigint"),
]


def _raw_source_tables() -> dict[str, list[tuple[str, str]]]:
    sources = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))["sources"]
    (retail,) = [source for source in sources if source["name"] == "retail"]
    return {
        table["name"]: [(column["name"], column["data_type"]) for column in table["columns"]]
        for table in retail["tables"]
    }


CATALOG = load_catalog(REPO / "airbyte" / "catalog.yml")


def test_every_stream_is_a_source_table_and_nothing_else() -> None:
    assert set(_raw_source_tables()) == {stream.name for stream in CATALOG.streams}


@pytest.mark.parametrize("stream", CATALOG.streams, ids=lambda stream: stream.name)
def test_source_columns_are_the_declared_fields(stream) -> None:
    """Each field's type is the catalogue's, read from the vars the pipeline gives dbt: written nowhere else."""
    if stream.document:
        expected = [("_airbyte_data", "varchar"), *AIRBYTE_COLUMNS]
    else:
        fields = [(f.name, f"{{{{ var('field_types')['{stream.name}.{f.name}'] }}}}") for f in stream.fields]
        expected = [*fields, *AIRBYTE_COLUMNS, ("_airbyte_data", "json")]  # the record's undeclared columns
    assert _raw_source_tables()[stream.name] == expected


def test_reconciliation_covers_every_stream() -> None:
    marts = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_marts__models.yml").read_text("utf-8"))
    (reconciliation,) = [model for model in marts["models"] if model["name"] == "rpt_reconciliation"]
    (stream_column,) = [column for column in reconciliation["columns"] if column["name"] == "stream"]
    (accepted,) = [test["accepted_values"] for test in stream_column["data_tests"] if "accepted_values" in str(test)]
    assert set(accepted["arguments"]["values"]) == {stream.name for stream in CATALOG.streams}
    sql = (DBT_PROJECT_DIR / "models" / "marts" / "rpt_reconciliation.sql").read_text("utf-8")
    for stream in CATALOG.streams:
        assert f"'stream': '{stream.name}'" in sql, stream.name


def test_profiles_read_every_credential_from_the_environment() -> None:
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text("utf-8"))["retail_elt"]
    cloud = profiles["outputs"]["cloud"]
    for key in ("account", "user", "private_key_path", "private_key_passphrase", "role", "warehouse", "database"):
        assert cloud[key].startswith("{{ env_var('SNOWFLAKE_"), key
    assert "password" not in cloud
    for output in profiles["outputs"].values():
        assert "ELT_BUILD_SCHEMA" in output["schema"]
