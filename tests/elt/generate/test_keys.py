"""Keys in the types the catalogue declares: a string customer_id in a copy of the catalogue (its only edit) gives
string customer ids in every file, the same draws and the same expected figures; the defects keep their meaning."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from elt.catalog import load_catalog
from elt.cli import app
from elt.generate import GenerateOptions, KeyFormats, generate
from elt.generate._keys import STRING_FORMATS
from elt.settings import PROJECT_ROOT

PROJECT_CATALOG = PROJECT_ROOT / "airbyte" / "catalog.yml"
CUSTOMER_ID_LINE = "      - {name: customer_id, type: integer, required: true}\n"
TINY = GenerateOptions(sales_rows=400, days=2, defect_rate=10, customers=40, products=15, locations=4)
DIMENSIONS = ("customers.csv", "products.csv", "locations.csv")


def catalog_with(tmp_path: Path, customer_id_type: str) -> Path:
    """A copy of the project's catalogue whose one edit is the type of customers.customer_id."""
    text = PROJECT_CATALOG.read_text(encoding="utf-8")
    assert text.count(CUSTOMER_ID_LINE) == 1
    path = tmp_path / "catalog.yml"
    path.write_text(text.replace(CUSTOMER_ID_LINE, CUSTOMER_ID_LINE.replace("integer", customer_id_type)), "utf-8")
    return path


def customer(n: str) -> str:
    return f"CUS-{int(n):06d}"


def lines_of(folder: Path, pattern: str) -> list[str]:
    return [line for path in sorted(folder.glob(pattern)) for line in path.read_text(encoding="utf-8").splitlines()]


def with_field(line: str, index: int, render: Callable[[str], str]) -> str:
    """``line`` with its ``index``-th comma-separated field rendered, an empty field left empty."""
    fields = line.split(",")
    fields[index] = render(fields[index]) if fields[index] else ""
    return ",".join(fields)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[Path, dict], tuple[Path, dict]]:
    """The same options generated with the project's catalogue and with string customer ids."""
    root = tmp_path_factory.mktemp("keys")
    keys = KeyFormats.of(load_catalog(catalog_with(root, "string")))
    integers, strings = root / "integers", root / "strings"
    return (integers, generate(integers, TINY)), (strings, generate(strings, replace(TINY, keys=keys)))


def test_the_default_keys_are_the_project_catalogues() -> None:
    assert KeyFormats.of(load_catalog(PROJECT_CATALOG)) == KeyFormats() == GenerateOptions().keys
    assert KeyFormats().sql("customers.customer_id", "customer_id") == "customer_id", "integer keys: SQL unchanged"


def test_a_string_customer_id_is_a_string_in_every_file_and_the_rest_is_as_drawn(both: tuple) -> None:
    (integers, _), (strings, _) = both
    ints = lines_of(integers, "customers.csv")
    assert lines_of(strings, "customers.csv") == [ints[0]] + [with_field(line, 0, customer) for line in ints[1:]]
    for name in ("products.csv", "locations.csv"):
        assert (strings / name).read_bytes() == (integers / name).read_bytes()
    sales = lines_of(integers, "sales/*.csv")
    assert lines_of(strings, "sales/*.csv") == [
        line if line.startswith("sale_id") else with_field(line, 1, customer) for line in sales
    ]
    assert any(re.fullmatch(r"\d+,CUS-\d{6},\d+,\d+,.*", line) for line in lines_of(strings, "sales/*.csv"))


def test_review_documents_carry_the_string_customer_id_as_a_json_string(both: tuple) -> None:
    (integers, _), (strings, _) = both
    documents = 0
    for int_line, str_line in zip(lines_of(integers, "reviews/*"), lines_of(strings, "reviews/*"), strict=True):
        try:
            drawn = json.loads(int_line)
        except json.JSONDecodeError:
            continue  # cut short (invalid_json): its length follows the document's, so the cut moves
        doc = json.loads(str_line)
        assert isinstance(doc["customer_id"], str) and isinstance(doc["product_id"], int)
        assert doc == drawn | {"customer_id": customer(drawn["customer_id"])}
        documents += 1
    assert documents > 0


def test_the_expected_figures_do_not_depend_on_the_key_types(both: tuple) -> None:
    (_, integer_expected), (strings, string_expected) = both
    assert string_expected == integer_expected
    assert json.loads((strings / "_expected.json").read_text(encoding="utf-8")) == integer_expected


def test_string_keys_keep_the_defects_meaning(tmp_path: Path) -> None:
    """With every key a string, each sales defect is still found as the pipeline finds it, at the expected count."""
    expected = generate(tmp_path, replace(TINY, keys=KeyFormats(frozenset(STRING_FORMATS))))
    products = {line.split(",", 1)[0] for line in lines_of(tmp_path, "products.csv")[1:]}
    assert all(re.fullmatch(r"PRD-\d{6}", p) for p in products)
    fields = [line.split(",") for line in lines_of(tmp_path, "sales/*.csv") if not line.startswith("sale_id")]
    well_formed = [f for f in fields if len(f) == 9]
    assert all(re.fullmatch(r"SAL-\d{13}", f[0]) and re.fullmatch(r"LOC-\d{6}", f[3]) for f in well_formed)
    found = {
        "null_customer_id": sum(f[1] == "" for f in well_formed),
        "unknown_product_id": sum(f[2] not in products for f in well_formed),
        "non_positive_quantity": sum(int(f[5]) <= 0 for f in well_formed),
        "malformed_line": len(fields) - len(well_formed),
    }
    assert found == expected["streams"]["sales"]["quarantined"] and min(found.values()) > 0
    assert all(re.fullmatch(r"PRD-9\d{5}", f[2]) for f in well_formed if f[2] not in products)


def test_elt_generate_follows_the_catalogue_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ELT_CATALOG_PATH", str(catalog_with(tmp_path, "string")))
    result = CliRunner().invoke(app, ["generate", "--sales-rows", "200", "--days", "1", "--start-date", "2026-01-01"])
    assert result.exit_code == 0, result.output
    landing = tmp_path / "landing"
    assert lines_of(landing, "customers.csv")[1].startswith("CUS-000001,")
    assert lines_of(landing, "products.csv")[1].startswith("1,")
    assert isinstance(json.loads(lines_of(landing, "reviews/*")[0])["customer_id"], str)


def test_a_key_neither_integer_nor_string_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"customers\.customer_id"):
        KeyFormats.of(load_catalog(catalog_with(tmp_path, "date")))
