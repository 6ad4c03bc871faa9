"""The demo-data generator: determinism, layout, planted defects, ``_expected.json`` and incremental calls."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from elt.generate import (
    REVIEW_DEFECT_BASE_RATES,
    SALES_DEFECT_BASE_RATES,
    GenerateOptions,
    generate,
)
from elt.generate._defects import MAX_DEFECTIVE_SHARE, PPM, scaled_bands

HEADERS = {
    "customers.csv": "customer_id,first_name,last_name,email,city,state,country,signup_date,updated_at",
    "products.csv": "product_id,product_name,category,subcategory,brand,unit_price,updated_at",
    "locations.csv": "location_id,store_name,city,state,region,country,opened_on",
}
SALES_HEADER = "sale_id,customer_id,product_id,location_id,sold_at,quantity,unit_price,discount,tax_amount"
SALES_COLUMNS = (
    "{'sale_id': 'BIGINT', 'customer_id': 'BIGINT', 'product_id': 'BIGINT', 'location_id': 'BIGINT', "
    "'sold_at': 'TIMESTAMP', 'quantity': 'INTEGER', 'unit_price': 'DECIMAL(10,2)', "
    "'discount': 'DECIMAL(3,2)', 'tax_amount': 'DECIMAL(10,2)'}"
)
REVIEW_KEYS = [
    "review_id", "product_id", "customer_id", "created_at", "rating", "title", "body",
    "verified_purchase", "tags", "helpful_votes",
]  # fmt: skip
DEFECTIVE = GenerateOptions(sales_rows=20_000, days=2, defect_rate=5, customers=500, products=80, locations=12)


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def sales_lines(folder: Path) -> list[str]:
    return [
        line
        for path in sorted((folder / "sales").glob("sales_*.csv"))
        for line in path.read_text(encoding="utf-8").splitlines()[1:]
    ]


def review_lines(folder: Path) -> list[str]:
    return [
        line
        for path in sorted((folder / "reviews").glob("reviews_*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def review_defect(line: str) -> str:
    """What is wrong with one review document, judged by Python's json module."""
    try:
        doc = json.loads(line)
    except json.JSONDecodeError:
        return "invalid_json"
    if "review_id" not in doc:
        return "missing_required"
    if not 1 <= doc["rating"]["overall"] <= 5:
        return "out_of_range"
    if not isinstance(doc["tags"], list):
        return "wrong_type"
    if list(doc) != REVIEW_KEYS:
        return "undeclared_key"
    return "clean"


@pytest.fixture(scope="module")
def defective(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("defective")
    return folder, generate(folder, DEFECTIVE)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("clean")
    return folder, generate(folder, GenerateOptions(sales_rows=6_000, days=2, defect_rate=0))


def test_same_options_write_the_same_bytes(tmp_path: Path) -> None:
    options = GenerateOptions(sales_rows=3_000, days=2, defect_rate=5, seed=7)
    generate(tmp_path / "a", options)
    generate(tmp_path / "b", options)
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    generate(tmp_path / "c", GenerateOptions(sales_rows=3_000, days=2, defect_rate=5, seed=8))
    assert (
        files_of(tmp_path / "c")["sales/sales_2026-01-01.csv"] != files_of(tmp_path / "a")["sales/sales_2026-01-01.csv"]
    )


def test_layout_and_headers(defective: tuple[Path, dict]) -> None:
    folder, expected = defective
    assert sorted(files_of(folder)) == [
        "_expected.json", "customers.csv", "locations.csv", "products.csv",
        "reviews/reviews_2026-01-01.jsonl", "reviews/reviews_2026-01-02.jsonl",
        "sales/sales_2026-01-01.csv", "sales/sales_2026-01-02.csv",
    ]  # fmt: skip
    for name, header in HEADERS.items():
        assert (folder / name).read_text(encoding="utf-8").split("\n", 1)[0] == header
    for path in (folder / "sales").iterdir():
        assert path.read_text(encoding="utf-8").split("\n", 1)[0] == SALES_HEADER
    assert json.loads((folder / "_expected.json").read_text(encoding="utf-8")) == expected
    assert expected["days"] == ["2026-01-01", "2026-01-02"]


def test_values_need_no_quoting_and_utf8_is_exercised(defective: tuple[Path, dict]) -> None:
    folder, _ = defective
    text = "".join((folder / name).read_text(encoding="utf-8") for name in HEADERS)
    text += "".join(sales_lines(folder))
    assert '"' not in text and "'" not in text and "\r" not in text
    assert "Zoë" in text and "Montréal" in text
    con = duckdb.connect()
    for name, header in HEADERS.items():
        widths = con.execute(
            f"SELECT DISTINCT len(string_split(line, ',')) FROM read_csv('{folder / name}', "
            "header=false, columns={'line': 'VARCHAR'}, delim='\\x01', quote='')"
        ).fetchall()
        assert widths == [(len(header.split(",")),)]


def test_dimension_values(defective: tuple[Path, dict]) -> None:
    folder, expected = defective
    con = duckdb.connect()
    customers = f"read_csv('{folder / 'customers.csv'}')"
    assert con.execute(
        f"SELECT min(customer_id), max(customer_id), max(updated_at) < TIMESTAMP '2026-01-08', "
        f"bool_and(signup_date < DATE '2026-01-01') FROM {customers}"
    ).fetchone() == (1, 500, True, True)
    moved = con.execute(f"""
        SELECT count(*), bool_and(b.updated_at >= TIMESTAMP '2026-01-01' AND a.updated_at < TIMESTAMP '2026-01-01'
                                  AND a.city <> b.city AND a.state <> b.state)
        FROM {customers} a JOIN {customers} b ON a.customer_id = b.customer_id AND a.updated_at < b.updated_at
    """).fetchone()
    assert 0 < moved[0] < 500 * 0.05 and moved[1]
    assert expected["customers"] == {"versions": 500 + moved[0], "current": 500}
    assert expected["streams"]["customers"]["landed"] == 500 + moved[0]
    assert con.execute(
        f"SELECT count(*), count(DISTINCT region), min(unit_price) > 0 FROM "
        f"read_csv('{folder / 'products.csv'}') p, read_csv('{folder / 'locations.csv'}') l"
    ).fetchone() == (80 * 12, 5, True)


def test_sales_defects_are_planted_at_their_rates(defective: tuple[Path, dict]) -> None:
    folder, expected = defective
    lines = sales_lines(folder)
    sales = expected["streams"]["sales"]
    assert len(lines) == sales["landed"] == 20_000
    fields = [line.split(",") for line in lines]
    well_formed = [f for f in fields if len(f) == 9]
    found = {
        "malformed_line": len(fields) - len(well_formed),
        "null_customer_id": sum(f[1] == "" for f in well_formed),
        "unknown_product_id": sum(int(f[2]) > 80 for f in well_formed),
        "non_positive_quantity": sum(int(f[5]) <= 0 for f in well_formed),
    }
    assert found == sales["quarantined"]
    counts = Counter(lines)
    assert sum(n - 1 for n in counts.values()) == sales["duplicates"]
    for kind, count in (found | {"duplicate": sales["duplicates"]}).items():
        planned = SALES_DEFECT_BASE_RATES[kind] * 5 * 20_000
        assert 0.6 * planned < count < 1.4 * planned, (kind, count, planned)
    assert sales["landed"] == sales["duplicates"] + sales["valid"] + sum(sales["quarantined"].values())


def test_duplicates_are_later_exact_copies_of_clean_lines(defective: tuple[Path, dict]) -> None:
    folder, _ = defective
    for path in (folder / "sales").iterdir():
        lines = path.read_text(encoding="utf-8").splitlines()[1:]
        seen: set[str] = set()
        repeated = 0
        for line in lines:
            if line in seen:
                repeated += 1
                fields = line.split(",")
                assert len(fields) == 9 and fields[1] and 1 <= int(fields[2]) <= 80 and int(fields[5]) > 0
            seen.add(line)
        assert repeated > 0
        # A repeated sale_id always repeats the whole line.
        assert len({line.split(",", 1)[0] for line in lines}) == len(seen)


def test_malformed_lines_are_rejected_by_duckdb(defective: tuple[Path, dict]) -> None:
    folder, expected = defective
    con = duckdb.connect()
    # Materialised: a bare count(*) over read_csv skips the bad lines without recording them.
    con.execute(f"""
        CREATE TABLE sales AS FROM read_csv('{folder}/sales/*.csv', header=true, columns={SALES_COLUMNS},
                                            store_rejects=true)
    """)
    (read,) = con.execute("SELECT count(*) FROM sales").fetchone()
    # DuckDB records a line with missing columns once per missing column.
    rejects = con.execute("SELECT DISTINCT file_id, line, error_type, csv_line FROM reject_errors").fetchall()
    assert len(rejects) == expected["streams"]["sales"]["quarantined"]["malformed_line"]
    assert read + len(rejects) == 20_000
    assert {error for *_, error, _ in rejects} == {"MISSING COLUMNS", "TOO MANY COLUMNS"}
    assert not any('"' in line or "'" in line for *_, line in rejects)


def test_review_defects_are_what_they_claim(defective: tuple[Path, dict]) -> None:
    folder, expected = defective
    lines = review_lines(folder)
    reviews = expected["streams"]["reviews"]
    assert len(lines) == reviews["landed"] == 1_000
    found = Counter(review_defect(line) for line in lines)
    assert {k: found[k] for k in REVIEW_DEFECT_BASE_RATES} == reviews["quarantined"]
    assert found["clean"] == reviews["valid"] == expected["reviews"]["count"]
    assert reviews["landed"] == reviews["valid"] + sum(reviews["quarantined"].values())
    for kind, count in reviews["quarantined"].items():
        planned = REVIEW_DEFECT_BASE_RATES[kind] * 5 * 1_000
        assert 0.4 * planned < count < 1.8 * planned, (kind, count, planned)
    valid = [json.loads(line) for line in lines if review_defect(line) == "clean"]
    assert sum(len(d["tags"]) for d in valid) == expected["reviews"]["tags"]
    assert sum(len(d["helpful_votes"]) for d in valid) == expected["reviews"]["helpful_votes"]
    assert sum(d["rating"]["overall"] for d in valid) == expected["reviews"]["rating_overall_sum"]
    assert any('"' in d["title"] + d["body"] for d in valid)
    assert any(not (d["title"] + d["body"]).isascii() for d in valid)
    for doc in valid:
        assert isinstance(doc["review_id"], int) and isinstance(doc["verified_purchase"], bool)
        assert sorted(doc["rating"]) == ["overall", "quality", "value"]
        assert all(1 <= v <= 5 for v in doc["rating"].values())
        assert len(doc["tags"]) <= 4 and all(isinstance(t, str) for t in doc["tags"])
        assert len(doc["helpful_votes"]) <= 3
        for vote in doc["helpful_votes"]:
            assert list(vote) == ["user_id", "vote", "at"] and vote["vote"] in ("up", "down")
            assert datetime.datetime.strptime(vote["at"], "%Y-%m-%dT%H:%M:%SZ") > datetime.datetime.strptime(
                doc["created_at"], "%Y-%m-%dT%H:%M:%SZ"
            )
    ids = [json.loads(line).get("review_id") for line in lines if review_defect(line) != "invalid_json"]
    assert len({i for i in ids if i is not None}) == len([i for i in ids if i is not None])


def test_expected_figures_match_an_independent_recount(defective: tuple[Path, dict]) -> None:
    folder, expected = defective
    con = duckdb.connect()
    con.execute(f"""
        CREATE TABLE sales AS
        SELECT DISTINCT * FROM read_csv('{folder}/sales/*.csv', header=true, columns={SALES_COLUMNS},
                                        store_rejects=true)
    """)
    con.execute(f"CREATE TABLE customers AS FROM read_csv('{folder / 'customers.csv'}')")
    con.execute(f"CREATE TABLE products AS FROM read_csv('{folder / 'products.csv'}')")
    con.execute(f"CREATE TABLE locations AS FROM read_csv('{folder / 'locations.csv'}')")
    con.execute("""
        CREATE TABLE valid AS
        SELECT s.*, s.quantity * s.unit_price AS gross,
               round(gross * s.discount, 2) AS disc,
               gross - disc + s.tax_amount AS net,
               cast(s.sold_at AS DATE)::VARCHAR AS day, l.region, p.category,
               coalesce(
                   (SELECT arg_max(c.city, c.updated_at) FROM customers c
                    WHERE c.customer_id = s.customer_id AND c.updated_at <= s.sold_at),
                   (SELECT arg_min(c.city, c.updated_at) FROM customers c WHERE c.customer_id = s.customer_id)
               ) AS city
        FROM sales s JOIN products p USING (product_id) JOIN locations l USING (location_id)
        WHERE s.customer_id IS NOT NULL AND s.quantity > 0
    """)
    count, quantity, gross, disc, tax, net = con.execute(
        "SELECT count(*), sum(quantity), sum(gross), sum(disc), sum(tax_amount), sum(net) FROM valid"
    ).fetchone()
    figures = expected["sales"]
    assert count == figures["count"] == expected["streams"]["sales"]["valid"]
    assert quantity == figures["quantity"]
    assert [f"{v:.2f}" for v in (gross, disc, tax, net)] == [
        figures[k] for k in ("gross_amount", "discount_amount", "tax_amount", "net_amount")
    ]
    for key, column in (("day", "day"), ("region", "region"), ("category", "category"), ("customer_city", "city")):
        recount = con.execute(f"SELECT {column}, sum(net) FROM valid GROUP BY ALL ORDER BY ALL").fetchall()
        assert {k: f"{v:.2f}" for k, v in recount} == figures[f"net_amount_by_{key}"], key
    assert sum(Decimal(v) for v in figures["net_amount_by_customer_city"].values()) == Decimal(net)


def test_defect_rate_zero_gives_clean_data(clean: tuple[Path, dict]) -> None:
    folder, expected = clean
    sales, reviews = expected["streams"]["sales"], expected["streams"]["reviews"]
    assert sales == {
        "landed": 6_000,
        "duplicates": 0,
        "valid": 6_000,
        "quarantined": dict.fromkeys(
            ("null_customer_id", "unknown_product_id", "non_positive_quantity", "malformed_line"), 0
        ),
    }
    assert reviews["valid"] == reviews["landed"] == 300 and set(reviews["quarantined"].values()) == {0}
    lines = sales_lines(folder)
    assert len(set(lines)) == len(lines) == 6_000
    fields = [line.split(",") for line in lines]
    assert all(len(f) == 9 and f[1] and 1 <= int(f[2]) <= 300 and int(f[5]) > 0 for f in fields)
    assert {review_defect(line) for line in review_lines(folder)} == {"clean"}
    assert expected["customers"]["versions"] > expected["customers"]["current"]  # moves are not defects


def test_a_later_call_adds_days_and_keeps_dimensions(tmp_path: Path) -> None:
    first = GenerateOptions(sales_rows=4_000, days=2, defect_rate=3)
    later = GenerateOptions(sales_rows=4_000, days=2, defect_rate=3, start_date=datetime.date(2026, 1, 3))
    one = generate(tmp_path / "inc", first)
    dims = {n: (tmp_path / "inc" / n).read_bytes() for n in HEADERS}
    mtimes = {n: (tmp_path / "inc" / n).stat().st_mtime_ns for n in HEADERS}
    two = generate(tmp_path / "inc", later)
    assert {n: (tmp_path / "inc" / n).read_bytes() for n in HEADERS} == dims
    assert {n: (tmp_path / "inc" / n).stat().st_mtime_ns for n in HEADERS} == mtimes
    assert len(list((tmp_path / "inc" / "sales").iterdir())) == 4
    alone = generate(tmp_path / "alone", later)
    for stream in ("sales", "reviews"):
        for key in ("landed", "duplicates", "valid"):
            assert two["streams"][stream][key] == one["streams"][stream][key] + alone["streams"][stream][key]
    assert Decimal(two["sales"]["net_amount"]) == Decimal(one["sales"]["net_amount"]) + Decimal(
        alone["sales"]["net_amount"]
    )
    assert two["days"] == ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
    # Two calls of two days each write what one call of four days writes.
    generate(tmp_path / "once", GenerateOptions(sales_rows=8_000, days=4, defect_rate=3))
    assert files_of(tmp_path / "inc") == files_of(tmp_path / "once")
    # Ids never collide across days.
    ids = [line.split(",", 1)[0] for line in sales_lines(tmp_path / "inc")]
    assert len(set(ids)) == two["streams"]["sales"]["landed"] - two["streams"]["sales"]["duplicates"]


def test_a_folder_of_another_seed_is_refused(tmp_path: Path) -> None:
    generate(tmp_path, GenerateOptions(sales_rows=100, days=1))
    with pytest.raises(ValueError, match="seed"):
        generate(tmp_path, GenerateOptions(sales_rows=100, days=1, seed=1, start_date=datetime.date(2026, 2, 1)))


@pytest.mark.parametrize("defect_rate", [0, 0.5, 1, 5, 40, 1000])
def test_defect_bands_are_capped(defect_rate: float) -> None:
    for base in (SALES_DEFECT_BASE_RATES, REVIEW_DEFECT_BASE_RATES):
        bands = scaled_bands(base, defect_rate)
        assert list(bands.upper) == list(base)
        assert bands.clean_from <= MAX_DEFECTIVE_SHARE * PPM + len(base)
        assert bands.clean_from == pytest.approx(min(sum(base.values()) * defect_rate, 0.5) * PPM, abs=len(base))


def test_late_customers_are_left_out_of_the_file_until_they_arrive(tmp_path: Path) -> None:
    arrive = datetime.date(2026, 1, 2)
    late = GenerateOptions(
        sales_rows=2_000, days=1, defect_rate=0, customers=50, late_customers=3, late_customers_arrive=arrive
    )
    on_arrival = GenerateOptions(**{**late.__dict__, "start_date": arrive})

    expected = generate(tmp_path / "late", late)
    customers = (tmp_path / "late" / "customers.csv").read_text(encoding="utf-8").splitlines()[1:]
    generate(tmp_path / "again", late)
    assert files_of(tmp_path / "again") == files_of(tmp_path / "late")

    assert {int(line.split(",", 1)[0]) for line in customers} == set(range(1, 48))
    sold_to = Counter(int(line.split(",")[1]) for line in sales_lines(tmp_path / "late"))
    assert sum(sold_to[i] for i in (48, 49, 50)) > 0, "sales name the late customers"
    assert expected["customers"]["current"] == 50, "_expected.json describes the data once all have arrived"

    generate(tmp_path / "late", on_arrival)
    arrived = (tmp_path / "late" / "customers.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert set(customers) < set(arrived)
    new = [line.split(",") for line in set(arrived) - set(customers)]
    assert sorted(int(fields[0]) for fields in new) == [48, 49, 50]
    assert {fields[-1][:10] for fields in new} == {"2026-01-02"}, "updated on the day they arrive"


def test_late_customers_need_their_arrival_day_and_must_leave_some_customers() -> None:
    with pytest.raises(ValueError, match="late_customers"):
        GenerateOptions(customers=5, late_customers=5, late_customers_arrive=datetime.date(2026, 1, 2))
    with pytest.raises(ValueError, match="go together"):
        GenerateOptions(customers=5, late_customers=2)
