"""A warehouse with an empty RAW reviews table, the reviews contract, and a way to land documents in RAW."""

from collections.abc import Callable
from pathlib import Path

import pytest

from elt.catalog import load_catalog
from elt.parsing import ParsingContract, load_contract
from elt.settings import Settings
from elt.sync._embedded import raw_table_ddl
from elt.warehouse import DuckDBWarehouse

Land = Callable[..., None]


@pytest.fixture
def warehouse(tmp_path: Path) -> DuckDBWarehouse:
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    warehouse.ensure_schemas()
    with warehouse.connect() as con:
        con.execute(raw_table_ddl(load_catalog(Settings().catalog_path).stream("reviews")))
    return warehouse


@pytest.fixture
def contract() -> ParsingContract:
    return load_contract(Settings().contracts_dir / "reviews.yml", load_catalog(Settings().catalog_path))


@pytest.fixture
def land(warehouse: DuckDBWarehouse) -> Land:
    """Append documents to a RAW table (``raw.reviews`` unless told), one line each, in one batch (1 unless told)."""

    def append(
        documents: list[str], extracted_at: str = "2026-01-01 00:00:00+00", stream: str = "reviews", batch: int = 1
    ) -> None:
        with warehouse.connect() as con:
            con.executemany(
                f"insert into raw.{stream} values"
                f" (?, uuid()::varchar, ?, json_object('sync_id', ?), 0, '{stream}/r.jsonl', ?)",
                [[document, extracted_at, batch, line] for line, document in enumerate(documents, start=1)],
            )

    return append
