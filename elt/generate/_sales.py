"""One day's sales file, and the figures the pipeline must derive from it.

A line's kind (clean, one defect, or duplicate) comes from a draw keyed by its slot id, so it is known
without looking at any other line. A duplicate slot copies the first of up to ``DUPLICATE_CANDIDATES``
earlier positions (at most ``DUPLICATE_REACH`` back) whose own draw makes them clean; every field of a
line is a function of its ``sale_id``, so the copy is recomputed, not looked up. A duplicate slot with
no clean candidate becomes a clean line itself.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from elt.generate._defects import PPM, SALES_DEFECT_BASE_RATES, SALES_QUARANTINE_REASONS, scaled_bands
from elt.generate._files import write_lines
from elt.generate._keys import CUSTOMER_ID, LOCATION_ID, PRODUCT_ID, SALE_ID
from elt.generate._options import GenerateOptions, first_id_of

SALES_HEADER = "sale_id,customer_id,product_id,location_id,sold_at,quantity,unit_price,discount,tax_amount"
UNKNOWN_PRODUCT_ID_FROM = 900_000
DUPLICATE_CANDIDATES = 4
DUPLICATE_REACH = 1_000
DISCOUNTED_SHARE_PERCENT = 30


def sales_file(landing_dir: Path, day: datetime.date) -> Path:
    return landing_dir / "sales" / f"sales_{day.isoformat()}.csv"


def _sales_sql(options: GenerateOptions, day: datetime.date, rows: int) -> str:
    """A relation of the day's lines in file order: kind, the fields of the (original) sale, amounts."""
    bands = scaled_bands(SALES_DEFECT_BASE_RATES, options.defect_rate)
    first = first_id_of(day)
    candidates = []
    for k in range(1, DUPLICATE_CANDIDATES + 1):
        candidate = f"(position - 1 - draw_below(slot_id, 'duplicate_of_{k}', {DUPLICATE_REACH}))"
        clean = f"draw_below({first} + {candidate}, 'sales_kind', {PPM}) >= {bands.clean_from}"
        candidates.append(f"WHEN {candidate} >= 1 AND {clean} THEN {candidate}")
    return f"""
        WITH slots AS (
            SELECT i AS position, {first} + i AS slot_id, draw_below(slot_id, 'sales_kind', {PPM}) AS draw
            FROM range(1, {rows} + 1) AS t(i)
        ),
        kinds AS (
            SELECT
                position,
                {bands.case_sql("draw")} AS drawn_kind,
                CASE WHEN drawn_kind <> 'duplicate' THEN position {" ".join(candidates)} ELSE position END
                    AS source_position,
                CASE WHEN drawn_kind = 'duplicate' AND source_position = position THEN 'clean'
                    ELSE drawn_kind END AS kind
            FROM slots
        ),
        sales AS (
            SELECT
                position, kind,
                {first} + source_position AS sale_id,
                1 + draw_below(sale_id, 'customer_id', {options.customers}) AS customer_id,
                1 + draw_below(sale_id, 'product_id', {options.products}) AS product_id,
                1 + draw_below(sale_id, 'location_id', {options.locations}) AS location_id,
                TIMESTAMP '{day.isoformat()}' + to_seconds(draw_below(sale_id, 'sold_at', 86400)) AS sold_at,
                1 + draw_below(sale_id, 'quantity', 10) AS quantity,
                CASE WHEN draw_below(sale_id, 'discounted', 100) < {DISCOUNTED_SHARE_PERCENT}
                    THEN 0.05 * (1 + draw_below(sale_id, 'discount', 6))
                    ELSE 0.00 END::DECIMAL(3, 2) AS discount
            FROM kinds
        )
        SELECT
            s.*, p.unit_price, p.category, l.region,
            s.quantity * p.unit_price AS gross_amount,
            round(gross_amount * s.discount, 2) AS discount_amount,
            round((gross_amount - discount_amount) * l.tax_rate, 2) AS tax_amount
        FROM sales AS s
        JOIN products AS p USING (product_id)
        JOIN locations AS l USING (location_id)
    """


def write_sales_day(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, options: GenerateOptions, day: datetime.date, rows: int
) -> None:
    """Write the day's sales file, keys as ``options.keys`` says; a defect changes one field of a clean line."""
    keys = options.keys
    unknown_from = max(UNKNOWN_PRODUCT_ID_FROM, options.products + 1)
    unknown_product_id = f"{unknown_from} + draw_below(sale_id, 'unknown_product_id', 100000)"
    sale_id, customer_id = keys.sql(SALE_ID, "sale_id"), keys.sql(CUSTOMER_ID, "customer_id")
    product_id, location_id = keys.sql(PRODUCT_ID, "product_id"), keys.sql(LOCATION_ID, "location_id")
    lines = f"""
        SELECT CASE
            WHEN kind = 'malformed_line' AND draw_below(sale_id, 'malformed_shape', 2) = 0
                THEN concat_ws(',', {sale_id}, {customer_id}, {product_id}, {location_id})
            ELSE concat_ws(',',
                {sale_id},
                CASE WHEN kind = 'null_customer_id' THEN '' ELSE {customer_id}::VARCHAR END,
                CASE WHEN kind = 'unknown_product_id'
                    THEN ({keys.sql(PRODUCT_ID, unknown_product_id)})::VARCHAR
                    ELSE {product_id}::VARCHAR END,
                {location_id},
                strftime(sold_at, '%Y-%m-%d %H:%M:%S'),
                CASE WHEN kind = 'non_positive_quantity'
                    THEN -1 - draw_below(sale_id, 'negative_quantity', 5) ELSE quantity END,
                unit_price, discount, tax_amount
            ) || CASE WHEN kind = 'malformed_line' THEN ',' || (1 + draw_below(sale_id, 'extra_field', 100))
                ELSE '' END
        END AS line
        FROM ({_sales_sql(options, day, rows)})
    """
    write_lines(con, lines, sales_file(landing_dir, day), SALES_HEADER)


def expected_sales_day(
    con: duckdb.DuckDBPyConnection, options: GenerateOptions, day: datetime.date, rows: int
) -> tuple[dict, dict]:
    """The day's ``streams.sales`` entry and its business figures, aggregated from the generation.

    A valid sale's customer city is the city of the customer version current at ``sold_at``.
    """
    grouped = con.execute(f"""
        SELECT
            s.kind,
            CASE WHEN s.kind = 'clean' THEN s.region END AS region,
            CASE WHEN s.kind = 'clean' THEN s.category END AS category,
            CASE WHEN s.kind <> 'clean' THEN NULL
                WHEN s.sold_at >= c.moved_at THEN c.moved_city ELSE c.first_city END AS city,
            count(*) AS lines,
            sum(s.quantity) AS quantity,
            sum(s.gross_amount) AS gross_amount,
            sum(s.discount_amount) AS discount_amount,
            sum(s.tax_amount) AS tax_amount,
            sum(s.gross_amount - s.discount_amount + s.tax_amount) AS net_amount
        FROM ({_sales_sql(options, day, rows)}) AS s
        JOIN customer_cities AS c USING (customer_id)
        GROUP BY ALL
        ORDER BY ALL
    """).fetchall()
    kinds: dict[str, int] = {}
    totals = {"count": 0, "quantity": 0} | dict.fromkeys(
        ("gross_amount", "discount_amount", "tax_amount", "net_amount"), Decimal(0)
    )
    by: dict[str, dict[str, Decimal]] = {"region": {}, "category": {}, "customer_city": {}}
    for kind, region, category, city, lines, quantity, gross, discount, tax, net in grouped:
        kinds[kind] = kinds.get(kind, 0) + lines
        if kind != "clean":
            continue
        totals["count"] += lines
        totals["quantity"] += quantity
        totals["gross_amount"] += gross
        totals["discount_amount"] += discount
        totals["tax_amount"] += tax
        totals["net_amount"] += net
        for key, value in (("region", region), ("category", category), ("customer_city", city)):
            by[key][value] = by[key].get(value, Decimal(0)) + net
    stream = {
        "landed": sum(kinds.values()),
        "duplicates": kinds.get("duplicate", 0),
        "valid": kinds.get("clean", 0),
        "quarantined": {reason: kinds.get(reason, 0) for reason in SALES_QUARANTINE_REASONS},
    }
    figures = {name: value if isinstance(value, int) else _amount(value) for name, value in totals.items()} | {
        f"net_amount_by_{key}": {k: _amount(v) for k, v in sorted(m.items())} for key, m in by.items()
    }
    return stream, figures


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"
