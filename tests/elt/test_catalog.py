from pathlib import Path

import pytest
import yaml

from elt.catalog import SyncMode, load_catalog
from elt.settings import Settings


def test_the_project_catalogue_loads_with_every_demo_stream() -> None:
    catalog = load_catalog(Settings().catalog_path)

    assert [s.name for s in catalog.streams] == ["customers", "products", "locations", "sales", "reviews"]
    sales = catalog.stream("sales")
    assert sales.sync_mode is SyncMode.INCREMENTAL_APPEND_DEDUP
    assert sales.primary_key == ("sale_id",)
    assert sales.matches("sales/sales_2026-01-01.csv")
    assert not sales.matches("reviews/reviews_2026-01-01.jsonl")
    assert catalog.stream("reviews").document


def _write(tmp_path: Path, stream: dict) -> Path:
    path = tmp_path / "catalog.yml"
    path.write_text(yaml.safe_dump({"source": {"name": "x", "root": "landing"}, "streams": [stream]}))
    return path


def test_a_key_that_is_not_a_declared_field_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "name": "orders",
            "format": "csv",
            "path_pattern": "orders.csv",
            "sync_mode": "incremental_append",
            "primary_key": ["order_id"],
            "cursor_field": "updated_at",
            "fields": [{"name": "id", "type": "integer"}, {"name": "updated_at", "type": "date"}],
        },
    )
    with pytest.raises(ValueError, match=r"(?s)catalog\.yml.*order_id"):
        load_catalog(path)


def test_an_incremental_stream_needs_a_cursor(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "name": "orders",
            "format": "csv",
            "path_pattern": "orders.csv",
            "sync_mode": "incremental_append",
            "primary_key": ["id"],
            "fields": [{"name": "id", "type": "integer"}],
        },
    )
    with pytest.raises(ValueError, match="cursor_field"):
        load_catalog(path)


def test_undeclared_columns_are_ignored_by_default_and_only_ignore_or_fail_is_accepted(tmp_path: Path) -> None:
    assert {s.undeclared_columns for s in load_catalog(Settings().catalog_path).streams} == {"ignore"}
    stream = {
        "name": "orders",
        "format": "csv",
        "path_pattern": "orders.csv",
        "sync_mode": "full_refresh_overwrite",
        "primary_key": ["id"],
        "fields": [{"name": "id", "type": "integer"}],
    }
    assert load_catalog(_write(tmp_path, {**stream, "undeclared_columns": "fail"})).streams[0].undeclared_columns == (
        "fail"
    )
    with pytest.raises(ValueError, match=r"(?s)undeclared_columns.*'ignore' or 'fail'"):
        load_catalog(_write(tmp_path, {**stream, "undeclared_columns": "propagate"}))


def test_the_optional_fields_are_those_not_declared_required() -> None:
    optional = load_catalog(Settings().catalog_path).optional_fields()

    assert {"products.category", "locations.region", "sales.customer_id"} <= optional
    assert not optional & {"products.product_id", "sales.sale_id", "sales.sold_at", "customers.updated_at"}
    assert not any(field.startswith("reviews.") for field in optional), "a document stream has no fields"
