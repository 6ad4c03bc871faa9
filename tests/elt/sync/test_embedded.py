import shutil
from pathlib import Path

import duckdb
import pytest

from elt.catalog import load_catalog
from elt.lake import LocalLake
from elt.settings import Settings
from elt.sync import EmbeddedSync, SyncResult
from elt.sync._embedded import raw_table_ddl
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
        "select sale_id, _ab_source_file_url, _ab_source_file_line, _airbyte_meta->>'error_type',"
        " _airbyte_meta->>'source_record' from raw.sales order by _ab_source_file_line nulls first",
    )
    url = "sales/sales_2026-01-01.csv"
    assert rows == [
        (1, url, None, None, None),
        (None, url, 3, "MISSING COLUMNS", "2,7,3,2,2026-01-01 11:00:00,1,3.50"),
        (None, url, 4, "CAST", "3,7,3,2,2026-01-01 12:00:00,oops,3.50,0.00,0.20"),
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


def test_a_header_without_a_required_field_stops_the_stream_naming_file_and_fields(root: Path) -> None:
    (root / "landing/sales/sales_2026-01-01.csv").write_text(SALES_HEADER + "1,7,3,2,2026-01-01 10:00:00,2,3.50,0,0\n")
    (root / "landing/sales/sales_2026-01-02.csv").write_text("sale_id,customer_id,extra\n1,2,3\n")
    (root / "landing/locations.csv").write_text(LOCATIONS_HEADER + "1,A,C,S,North,US,2020-01-01\n")

    result = _sync(root).sync()

    assert [f.stream for f in result.loaded] == ["locations"]
    [problem] = result.problems
    assert "sales/sales_2026-01-02.csv: line 1" in problem.message
    assert "(missing required: 'sold_at');" in problem.message, "an undeclared column breaks no rule by default"
    assert "stream 'sales' stopped" in problem.message


def test_a_missing_optional_field_loads_as_null(root: Path) -> None:
    (root / "landing/sales/sales_2026-01-01.csv").write_text("sold_at,sale_id,quantity\n2026-01-01 10:00:00,1,2\n")

    [loaded] = _sync(root).sync().loaded

    assert (loaded.records, loaded.in_raw) == (1, 1)
    assert _rows(root, "select sale_id, quantity, customer_id, sold_at::varchar from raw.sales") == [
        (1, 2, None, "2026-01-01 10:00:00")
    ]


def test_a_file_that_is_not_utf8_is_refused_naming_file_line_and_byte(root: Path) -> None:
    good = "1,7,3,2,2026-01-01 10:00:00,2,3.50,0,0\n"
    (root / "landing/sales/sales_2026-01-01.csv").write_bytes(
        (SALES_HEADER + good).encode() + b"2,7,3,2,2026-01-01 11:00:00,1,3.50,0,caf\xe9\n"
    )

    result = _sync(root).sync()

    assert result.loaded == []
    [problem] = result.problems
    offset = len(SALES_HEADER) + len(good) + len("2,7,3,2,2026-01-01 11:00:00,1,3.50,0,caf")
    assert problem.message.startswith(f"sales/sales_2026-01-01.csv: line 3, byte {offset}: not valid utf-8")


def _sync_latin1_stores(root: Path, declared: str) -> SyncResult:
    """A one-stream catalogue whose file holds latin-1 bytes, synced with ``declared`` as the stream's encoding."""
    catalog = load_catalog(Settings().catalog_path)
    stores = catalog.stream("locations").model_copy(
        update={"name": "stores", "path_pattern": "stores_*.csv", "encoding": declared}
    )
    (root / "landing/stores_1.csv").write_bytes(
        (LOCATIONS_HEADER + "1,Café,Nîmes,S,South,FR,2020-01-01\n").encode("latin-1")
    )
    warehouse = DuckDBWarehouse(root / "warehouse.duckdb")
    sync = EmbeddedSync(
        catalog.model_copy(update={"streams": (stores,)}), warehouse, LocalLake(root / "lake"), root / "landing"
    )
    return sync.sync()


def test_a_file_is_read_in_its_streams_declared_encoding(root: Path) -> None:
    result = _sync_latin1_stores(root, "latin-1")

    assert result.problems == []
    assert _rows(root, "select store_name, city from raw.stores") == [("Café", "Nîmes")]


def test_a_file_not_valid_in_the_declared_encoding_is_refused_naming_it(root: Path) -> None:
    result = _sync_latin1_stores(root, "utf-8")

    [problem] = result.problems
    assert problem.message.startswith("stores_1.csv: line 2, byte ")
    assert "not valid utf-8" in problem.message
    assert result.loaded == []


def test_a_changed_file_lands_every_record_its_previous_version_did_not_hold(root: Path) -> None:
    header = "customer_id,first_name,last_name,email,city,state,country,signup_date,updated_at\n"
    ann = "1,Ann,Lee,a@x,Oslo,OS,NO,2020-01-01,2026-01-01 00:00:00\n"
    bob = "2,Bob,Ray,b@x,Rome,RM,IT,2020-01-01,2026-01-02 00:00:00\n"
    path = root / "landing/customers.csv"
    path.write_text(header + ann + bob)
    sync = _sync(root)
    sync.sync()
    ann_moved = "1,Ann,Lee,a@x,Bergen,VL,NO,2020-01-01,2026-01-05 00:00:00\n"
    # Older than every cursor already landed: a cursor filter would have dropped it.
    dan = "4,Dan,Ek,d@x,Pisa,PI,IT,2020-01-01,2025-12-01 00:00:00\n"
    path.write_text(header + ann + bob + ann_moved + dan)

    [loaded] = sync.sync().loaded

    # Ann's first version and Bob's are unchanged: landed with the first version, not again.
    assert (loaded.records, loaded.unchanged, loaded.in_raw) == (4, 2, 2)
    assert _rows(root, "select customer_id, city, count(*) from raw.customers group by all order by all") == [
        (1, "Bergen", 1),
        (1, "Oslo", 1),
        (2, "Rome", 1),
        (4, "Pisa", 1),
    ]
    assert _rows(root, "select records, unchanged from elt_meta.landed_files order by batch_id") == [(2, 0), (2, 2)]


SALE = "{id},7,3,2,2026-01-01 10:00:00,{quantity},3.50,0.10,0.50\n"


def test_a_file_completed_after_a_partial_copy_lands_the_rest_and_its_unkeyed_lines_again(root: Path) -> None:
    whole = SALES_HEADER + "".join(SALE.format(id=i, quantity=1) for i in range(1, 5)) + "5,7,3,2,broken\n"
    path = root / "landing/sales/sales_2026-01-01.csv"
    cut = whole.index("3,7,3") + 5  # the third sale cut inside its line
    path.write_text(whole[:cut])
    sync = _sync(root)
    [partial] = sync.sync().loaded
    path.write_text(whole)

    [complete] = sync.sync().loaded

    assert (partial.records, partial.in_raw) == (3, 3)  # two sales and the cut line, unparsable
    # Sales 1 and 2 are unchanged; sales 3 and 4 and the malformed line (no key to match it by) land.
    assert (complete.records, complete.unchanged, complete.in_raw) == (5, 2, 3)
    assert _rows(root, "select _airbyte_meta->>'source_record' from raw.sales where sale_id is null order by all") == [
        ("3,7,3",),
        ("5,7,3,2,broken",),
    ]


def test_a_changed_document_file_lands_only_the_lines_its_previous_version_did_not_hold(root: Path) -> None:
    path = root / "landing/reviews/reviews_2026-01-01.jsonl"
    path.write_text('{"review_id": 1}\n{"review_id": 1}\n{broken\n')
    sync = _sync(root)
    sync.sync()
    path.write_text('{"review_id": 1}\n{"review_id": 1}\n{"review_id": 1}\n{broken\n{"review_id": 2}\n')

    [loaded] = sync.sync().loaded

    assert (loaded.records, loaded.unchanged, loaded.in_raw) == (5, 3, 2)
    assert _rows(
        root,
        "select _ab_source_file_line, _airbyte_data from raw.reviews where _airbyte_meta->>'sync_id' = '2' order by 1",
    ) == [(3, '{"review_id": 1}'), (5, '{"review_id": 2}')]


def test_a_file_changed_back_to_an_earlier_version_lands_again(root: Path) -> None:
    path = root / "landing/sales/sales_2026-01-01.csv"
    first, second = SALE.format(id=1, quantity=1), SALE.format(id=1, quantity=2)
    sync = _sync(root)
    for line in (first, second, first):
        path.write_text(SALES_HEADER + line)
        sync.sync()

    assert _rows(root, "select quantity from raw.sales order by _airbyte_extracted_at") == [(1,), (2,), (1,)]


def test_without_the_previous_copy_in_the_lake_a_changed_file_lands_whole_and_says_so(root: Path) -> None:
    path = root / "landing/sales/sales_2026-01-01.csv"
    path.write_text(SALES_HEADER + SALE.format(id=1, quantity=1))
    sync = _sync(root)
    sync.sync()
    shutil.rmtree(root / "lake")
    path.write_text(SALES_HEADER + SALE.format(id=1, quantity=1) + SALE.format(id=2, quantity=1))

    result = sync.sync()

    [loaded] = result.loaded
    assert (loaded.records, loaded.unchanged, loaded.in_raw) == (2, 0, 2)
    [note] = result.notes
    assert "the lake" in note and "no copy of 1 of the 1 files" in note and "sales/sales_2026-01-01.csv" in note


def test_a_landing_file_deleted_after_it_landed_is_reported(root: Path) -> None:
    path = root / "landing/sales/sales_2026-01-01.csv"
    path.write_text(SALES_HEADER + SALE.format(id=1, quantity=1))
    sync = _sync(root)
    sync.sync()
    path.unlink()

    result = sync.sync()

    assert result.batch_id is None
    assert result.notes == [
        "sales: 1 files landed earlier are no longer in landing ('sales/sales_2026-01-01.csv');"
        " their records stay in RAW"
    ]


def test_a_quoted_header_after_a_byte_order_mark_is_read(root: Path) -> None:
    quoted = ",".join(f'"{name}"' for name in SALES_HEADER.strip().split(","))
    (root / "landing/sales/sales_2026-01-01.csv").write_bytes(
        b"\xef\xbb\xbf" + (quoted + "\n" + SALE.format(id=1, quantity=2)).encode()
    )

    result = _sync(root).sync()

    assert result.problems == []
    assert _rows(root, "select sale_id, quantity from raw.sales") == [(1, 2)]


@pytest.mark.timeout(60)
def test_a_first_line_of_millions_of_columns_is_refused_at_once(root: Path) -> None:
    (root / "landing/sales/sales_2026-01-01.csv").write_text("a," * 5 * 2**20 + "\n1\n")

    [problem] = _sync(root).sync().problems

    assert "(missing required: 'sale_id', 'sold_at'; repeated: 'a')" in problem.message
    assert len(problem.message) < 1000


def test_a_file_name_with_a_date_that_does_not_exist_is_refused(root: Path) -> None:
    (root / "landing/sales/sales_2026-13-45.csv").write_text(SALES_HEADER + SALE.format(id=1, quantity=1))

    result = _sync(root).sync()

    assert result.loaded == []
    assert [p.message for p in result.problems] == [
        "sales/sales_2026-13-45.csv: the date 2026-13-45 in the file name is not a calendar date;"
        " the file was not loaded"
    ]


def test_a_crash_before_the_batch_commits_leaves_nothing_of_it_and_a_rerun_lands_it_once(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "landing/sales/sales_2026-01-01.csv").write_text(SALES_HEADER + SALE.format(id=1, quantity=1))
    sync = _sync(root)
    sync.sync()
    (root / "landing/sales/sales_2026-01-02.csv").write_text(
        SALES_HEADER + SALE.format(id=2, quantity=1) + SALE.format(id=3, quantity=1)
    )
    reviews = root / "landing/reviews/reviews_2026-01-02.jsonl"
    reviews.write_text('{"review_id": 1}\n')
    with monkeypatch.context() as patch:
        patch.setattr(EmbeddedSync, "_save_state", _crash)
        with pytest.raises(RuntimeError, match="injected crash"):
            sync.sync()
    # Both streams' data, the files' state and the batch itself: none of the crashed batch is left.
    assert _rows(root, "select sale_id from raw.sales") == [(1,)]
    assert _rows(root, "select count(*) from raw.reviews") == [(0,)]
    assert _rows(root, "select batch_id from elt_meta.batches") == [(1,)]
    assert _rows(root, "select file_url from elt_meta.landed_files") == [("sales/sales_2026-01-01.csv",)]
    reviews.write_text('{"review_id": 2}\n')  # changed before the rerun: the crashed batch's lake copy differs

    rerun = sync.sync()
    again = sync.sync()

    assert rerun.problems == [] and len(rerun.loaded) == 2
    assert _rows(root, "select sale_id, count(*) from raw.sales group by all order by all") == [(1, 1), (2, 1), (3, 1)]
    assert _rows(root, "select _airbyte_data from raw.reviews") == [('{"review_id": 2}',)]
    assert (again.loaded, again.skipped) == ([], 3)


def _crash(*_: object) -> None:
    raise RuntimeError("injected crash after the data, before the commit")


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


def test_one_batch_reads_files_of_other_headers_apart_and_a_changed_file_beside_its_previous_version(
    root: Path,
) -> None:
    first = root / "landing/sales/sales_2026-01-01.csv"
    first.write_text(SALES_HEADER + SALE.format(id=1, quantity=1))
    sync = _sync(root)
    sync.sync()
    first.write_text(SALES_HEADER + SALE.format(id=1, quantity=1) + SALE.format(id=2, quantity=1))
    (root / "landing/sales/sales_2026-01-02.csv").write_text(SALES_HEADER + SALE.format(id=3, quantity=1))
    (root / "landing/sales/sales_2026-01-03.csv").write_text("sold_at,sale_id,quantity\n2026-01-03 10:00:00,4,7\n")
    (root / "landing/sales/sales_2026-01-04.csv").write_text(SALES_HEADER + SALE.format(id=5, quantity=1))

    result = sync.sync()

    assert sorted((f.file_url[-14:], f.records, f.unchanged, f.in_raw) for f in result.loaded) == [
        ("2026-01-01.csv", 2, 1, 1),
        ("2026-01-02.csv", 1, 0, 1),
        ("2026-01-03.csv", 1, 0, 1),
        ("2026-01-04.csv", 1, 0, 1),
    ]
    assert _rows(
        root, "select sale_id, quantity, customer_id, _ab_source_file_url[-14:] from raw.sales order by 1"
    ) == [
        (1, 1, 7, "2026-01-01.csv"),
        (2, 1, 7, "2026-01-01.csv"),
        (3, 1, 7, "2026-01-02.csv"),
        (4, 7, None, "2026-01-03.csv"),
        (5, 1, 7, "2026-01-04.csv"),
    ]


# Undeclared columns: kept in RAW's _airbyte_data and reported (the default), or the stream stops (fail).

DECLARED = "sale_id, customer_id, product_id, location_id, sold_at, quantity, unit_price, discount, tax_amount"


def _with_sales_policy(root: Path, policy: str) -> EmbeddedSync:
    catalog = load_catalog(Settings().catalog_path)
    streams = tuple(
        s.model_copy(update={"undeclared_columns": policy}) if s.name == "sales" else s for s in catalog.streams
    )
    warehouse = DuckDBWarehouse(root / "warehouse.duckdb")
    return EmbeddedSync(
        catalog.model_copy(update={"streams": streams}), warehouse, LocalLake(root / "lake"), root / "landing"
    )


def _sales_with_extras(ids: range, extras: list[str]) -> str:
    return SALES_HEADER.replace("\n", ",channel,postal_code\n") + "".join(
        SALE.format(id=i, quantity=1).replace("\n", f",{extra}\n") for i, extra in zip(ids, extras, strict=True)
    )


def test_undeclared_columns_are_kept_in_airbyte_data_beside_files_without_them_and_reported(root: Path) -> None:
    plain = SALES_HEADER + "".join(SALE.format(id=i, quantity=1) for i in (1, 2, 3))
    (root / "landing/sales/sales_2026-01-01.csv").write_text(plain)
    (root / "landing/sales/sales_2026-01-02.csv").write_text(_sales_with_extras(range(1, 3), ["web,0150", "shop,"]))
    (root / "landing/sales/sales_2026-01-03.csv").write_text(_sales_with_extras(range(3, 4), ["web,0150"]))

    result = _sync(root).sync()

    assert result.problems == []
    assert sorted((f.file_url[-14:], f.records, f.in_raw) for f in result.loaded) == [
        ("2026-01-01.csv", 3, 3),
        ("2026-01-02.csv", 2, 2),
        ("2026-01-03.csv", 1, 1),
    ]
    by_file = f"select {DECLARED} from raw.sales where _ab_source_file_url {{}} 'sales/sales_2026-01-01.csv' order by 1"
    assert _rows(root, by_file.format("<>")) == _rows(root, by_file.format("=")), (
        "the declared columns land as from a file without undeclared ones"
    )
    assert _rows(root, "select sale_id, _airbyte_data::varchar from raw.sales order by _ab_source_file_url, 1") == [
        (1, None),
        (2, None),
        (3, None),
        (1, '{"channel":"web","postal_code":"0150"}'),
        (2, '{"channel":"shop","postal_code":null}'),
        (3, '{"channel":"web","postal_code":"0150"}'),
    ]
    [drift] = result.undeclared_columns
    assert (drift.columns, drift.files) == (
        ("channel", "postal_code"),
        ("sales/sales_2026-01-02.csv", "sales/sales_2026-01-03.csv"),
    )
    assert drift.describe() == (
        "sales: 2 undeclared columns kept in RAW _airbyte_data, not modelled: 'channel', 'postal_code'"
        " (2 files; the catalogue's undeclared_columns: ignore)"
    )


def test_any_undeclared_name_is_a_key_of_airbyte_data(root: Path) -> None:
    header = SALES_HEADER.replace("\n", ',it\'s,"a ""b""",elt_file,sale_id2,\n')
    line = SALE.format(id=1, quantity=1).replace("\n", ",x,y,z,w,v\n")
    (root / "landing/sales/sales_2026-01-01.csv").write_text(header + line)

    result = _sync(root).sync()

    assert result.problems == []
    assert _rows(root, "select sale_id, _airbyte_data::varchar from raw.sales") == [
        (1, '{"it\'s":"x","a \\"b\\"":"y","elt_file":"z","sale_id2":"w","":"v"}')
    ]


def test_under_fail_an_undeclared_column_stops_the_stream_naming_file_line_and_columns(root: Path) -> None:
    (root / "landing/sales/sales_2026-01-01.csv").write_text(SALES_HEADER + SALE.format(id=1, quantity=1))
    (root / "landing/sales/sales_2026-01-02.csv").write_text(_sales_with_extras(range(2, 3), ["web,0150"]))

    result = _with_sales_policy(root, "fail").sync()

    assert result.loaded == [] and result.undeclared_columns == []
    assert [p.message for p in result.problems] == [
        "sales/sales_2026-01-02.csv: line 1: header does not match the declared fields of stream 'sales'"
        " (undeclared: 'channel', 'postal_code'); stream 'sales' stopped: none of its files were loaded"
    ]


def test_a_changed_file_with_undeclared_columns_lands_only_its_new_records(root: Path) -> None:
    path = root / "landing/sales/sales_2026-01-01.csv"
    path.write_text(_sales_with_extras(range(1, 3), ["web,0150", "shop,"]))
    sync = _sync(root)
    sync.sync()
    path.write_text(_sales_with_extras(range(1, 4), ["web,0150", "shop,", "app,9999"]))

    result = sync.sync()

    [loaded] = result.loaded
    assert (loaded.records, loaded.unchanged, loaded.in_raw) == (3, 2, 1)
    second = "select sale_id, _airbyte_data->>'channel' from raw.sales where _airbyte_meta->>'sync_id' = '2'"
    assert _rows(root, second) == [(3, "app")]
    assert [d.files for d in result.undeclared_columns] == [("sales/sales_2026-01-01.csv",)]


def test_a_raw_table_made_before_airbyte_data_gains_it(root: Path) -> None:
    (root / "landing/sales/sales_2026-01-01.csv").write_text(_sales_with_extras(range(1, 2), ["web,0150"]))
    sales = load_catalog(Settings().catalog_path).stream("sales")
    DuckDBWarehouse(root / "warehouse.duckdb").ensure_schemas()
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        con.execute(raw_table_ddl(sales) + "; alter table raw.sales drop column _airbyte_data")

    _sync(root).sync()

    assert _rows(root, "select sale_id, _airbyte_data->>'channel' from raw.sales") == [(1, "web")]


def test_a_field_whose_declared_type_most_of_a_file_does_not_fit_stops_the_batch_naming_file_line_field(
    root: Path,
) -> None:
    """A key declared integer while the files carry strings: the catalogue is wrong, not the data."""
    (root / "landing/locations.csv").write_text(LOCATIONS_HEADER + "2,Harbour,Oslo,,North,NO,2020-01-01\n")
    sales = root / "landing/sales/sales_2026-01-01.csv"
    sales.write_text(
        SALES_HEADER
        + "1,7,3,2,2026-01-01 10:00:00,2,3.50,0.10,0.50\n"
        + "2,C-10428,3,2,2026-01-01 11:00:00,1,3.50,0.00,0.20\n"
        + "3,C-10429,3,2,2026-01-01 12:00:00,1,3.50,0.00,0.20\n"
    )

    result = _sync(root).sync()

    assert result.batch_id is None and result.loaded == []
    [problem] = result.problems
    assert problem.message.startswith(
        "sales/sales_2026-01-01.csv: line 3: field 'customer_id' is declared integer in the catalogue,"
        " but 2 of the file's 3 records hold a value that is not ("
    )
    assert '"C-10428"' in problem.message and "nothing of this batch was loaded" in problem.message
    raw_tables = "select table_name from information_schema.tables where table_schema = 'raw'"
    assert _rows(root, raw_tables) == [], "the batch's transaction, its RAW tables' creation included, rolled back"
    assert _rows(root, "select count(*) from elt_meta.landed_files") == [(0,)]

    sales.write_text(SALES_HEADER + "1,7,3,2,2026-01-01 10:00:00,2,3.50,0.10,0.50\n")
    fixed = _sync(root).sync()

    assert fixed.batch_id is not None and fixed.problems == []
    assert {(f.stream, f.in_raw) for f in fixed.loaded} == {("sales", 1), ("locations", 1)}
