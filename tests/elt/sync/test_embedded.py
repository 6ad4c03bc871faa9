from pathlib import Path

import duckdb
import pytest

from elt.catalog import load_catalog
from elt.lake import LocalLake
from elt.settings import Settings
from elt.sync import EmbeddedSync
from elt.warehouse import DuckDBWarehouse

SALES_HEADER = "sale_id,customer_id,product_id,location_id,sold_at,quantity,unit_price,discount,tax_amount\n"
LOCATIONS_HEADER = "location_id,store_name,city,state,region,country,opened_on\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "landing" / "sales").mkdir(parents=True)
    (tmp_path / "landing" / "reviews").mkdir(parents=True)
    return tmp_path


def _sync(root: Path) -> EmbeddedSync:
    warehouse = DuckDBWarehouse(root / "warehouse.duckdb")
    return EmbeddedSync(load_catalog(Settings().catalog_path), warehouse, LocalLake(root / "lake"), root / "landing")


def _rows(root: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_line_lands_in_raw_and_unparsable_lines_keep_their_text_and_line(root: Path) -> None:
    (root / "landing/sales/sales_2026-01-01.csv").write_text(
        SALES_HEADER
        + "1,7,3,2,2026-01-01 10:00:00,2,3.50,0.10,0.50\n"
        + "2,7,3,2,2026-01-01 11:00:00,1,3.50\n"
        + "3,7,3,2,2026-01-01 12:00:00,oops,3.50,0.00,0.20\n"
    )

    result = _sync(root).sync()

    assert result.batch_id == 1
    [loaded] = result.loaded
    assert (loaded.records, loaded.in_raw) == (3, 3)
    rows = _rows(
        root,
        "select sale_id, _ab_source_file_line, _airbyte_meta->>'error_type', _airbyte_meta->>'source_record'"
        " from raw.sales order by _ab_source_file_line nulls first",
    )
    assert rows == [
        (1, None, None, None),
        (None, 3, "MISSING COLUMNS", "2,7,3,2,2026-01-01 11:00:00,1,3.50"),
        (None, 4, "CAST", "3,7,3,2,2026-01-01 12:00:00,oops,3.50,0.00,0.20"),
    ]
    assert (root / "lake/raw/sales/batch=000001/sales/sales_2026-01-01.csv").exists()


def test_a_file_already_ingested_is_skipped_and_a_changed_one_loads_again(root: Path) -> None:
    path = root / "landing/sales/sales_2026-01-01.csv"
    path.write_text(SALES_HEADER + "1,7,3,2,2026-01-01 10:00:00,2,3.50,0.10,0.50\n")
    sync = _sync(root)
    sync.sync()

    again = sync.sync()
    path.write_text(SALES_HEADER + "1,7,3,2,2026-01-01 10:00:00,5,3.50,0.10,0.50\n")
    changed = sync.sync()

    assert (again.batch_id, again.skipped, again.loaded) == (None, 1, [])
    assert changed.batch_id == 2 and len(changed.loaded) == 1
    assert _rows(root, "select quantity from raw.sales order by _airbyte_extracted_at") == [(2,), (5,)]


def test_a_header_that_does_not_match_the_catalogue_is_refused_naming_file_and_fields(root: Path) -> None:
    (root / "landing/sales/sales_2026-01-01.csv").write_text("sale_id,customer,extra\n1,2,3\n")

    result = _sync(root).sync()

    assert result.loaded == []
    [problem] = result.problems
    assert "sales/sales_2026-01-01.csv: line 1" in problem.message
    assert "'customer_id'" in problem.message and "'extra'" in problem.message


def test_empty_files_load_nothing_and_are_not_an_error(root: Path) -> None:
    (root / "landing/sales/sales_2026-01-01.csv").write_text("")
    (root / "landing/reviews/reviews_2026-01-01.jsonl").write_text("")

    result = _sync(root).sync()

    assert sorted((f.stream, f.records, f.in_raw) for f in result.loaded) == [("reviews", 0, 0), ("sales", 0, 0)]
    assert result.problems == []


def test_documents_are_kept_whole_with_their_line_number(root: Path) -> None:
    (root / "landing/reviews/reviews_2026-01-01.jsonl").write_text('{"review_id": 1}\n{broken\n{"review_id": 3}')

    [loaded] = _sync(root).sync().loaded

    assert (loaded.records, loaded.in_raw) == (3, 3)
    assert _rows(root, "select _ab_source_file_line, _airbyte_data from raw.reviews order by 1") == [
        (1, '{"review_id": 1}'),
        (2, "{broken"),
        (3, '{"review_id": 3}'),
    ]


def test_full_refresh_replaces_the_stream_with_a_new_generation(root: Path) -> None:
    path = root / "landing/locations.csv"
    path.write_text(LOCATIONS_HEADER + "1,A,C,S,North,US,2020-01-01\n2,B,C,S,South,US,2020-01-01\n")
    sync = _sync(root)
    sync.sync()
    path.write_text(LOCATIONS_HEADER + "1,A,C,S,North,US,2020-01-01\n")

    sync.sync()

    assert _rows(root, "select location_id, _airbyte_generation_id from raw.locations") == [(1, 2)]
    assert _rows(root, "select records, superseded from elt_meta.landed_files order by batch_id") == [
        (2, True),
        (1, False),
    ]
