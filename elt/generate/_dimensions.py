"""The dimension files (customers, products, locations) and the session tables the day files join.

Dimensions depend only on the seed and the dimension sizes, never on dates or ``defect_rate``: every
call with the same seed and sizes rewrites them byte-identically. Fixed dates, all before 2026-01-01:
signups 2019-01-01 .. 2025-11-04, a customer's first ``updated_at`` within 30 days of signup; product
``updated_at`` in December 2025; stores opened 2010-01-01 .. 2023-09-08.

About 2 % of customers move once: a second row with the same ``customer_id``, a different city and
state, and an ``updated_at`` inside the fixed window [2026-01-01, 2026-01-08) (the default generation
window, whatever ``start_date`` a call uses). These versions are not defects and stay at
``defect_rate=0``.

Late customers (``late_customers``, the highest ids) are the exception: they are written only by calls whose
last day is on or after ``late_customers_arrive``, with one version updated that day, as a customer created
in the source then would be. A changed ``customers.csv`` is read past the stream's cursor only, so they reach
RAW when they arrive after every version already synced (the move window ends 2026-01-08).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from elt.generate import _vocabulary as vocab
from elt.generate._files import write_lines
from elt.generate._keys import CUSTOMER_ID, LOCATION_ID, PRODUCT_ID
from elt.generate._options import GenerateOptions
from elt.generate._session import sql_string, sql_strings

CUSTOMERS_HEADER = "customer_id,first_name,last_name,email,city,state,country,signup_date,updated_at"
PRODUCTS_HEADER = "product_id,product_name,category,subcategory,brand,unit_price,updated_at"
LOCATIONS_HEADER = "location_id,store_name,city,state,region,country,opened_on"

CUSTOMER_MOVE_SHARE_PPM = 20_000  # 2 % of customers get a second version
CUSTOMER_MOVE_WINDOW_START = "2026-01-01"
CUSTOMER_MOVE_WINDOW_DAYS = 7

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def build_dimensions(con: duckdb.DuckDBPyConnection, options: GenerateOptions) -> None:
    """Create the session tables ``customer_versions``, ``customer_cities``, ``products``, ``locations``."""
    cities = ", ".join(
        f"({n}, {sql_string(c.name)}, {sql_string(c.state)}, {sql_string(c.country)}, "
        f"{sql_string(c.region)}, {c.tax_rate}::DECIMAL(5, 4))"
        for n, c in enumerate(vocab.CITIES, start=1)
    )
    con.execute(
        f"CREATE OR REPLACE TABLE cities AS SELECT * FROM (VALUES {cities}) "
        "t(city_no, city, state, country, region, tax_rate)"
    )
    subcategories = ", ".join(
        f"({n}, {sql_string(s.category)}, {sql_string(s.name)}, {s.min_price}, {s.max_price})"
        for n, s in enumerate(vocab.SUBCATEGORIES, start=1)
    )
    con.execute(
        f"CREATE OR REPLACE TABLE subcategories AS SELECT * FROM (VALUES {subcategories}) "
        "t(subcategory_no, category, subcategory, min_price, max_price)"
    )
    n_cities = len(vocab.CITIES)
    on_time = options.customers - options.late_customers
    updated_at = "signup_date + to_seconds(draw_below(i, 'first_updated_at', 30 * 86400))"
    if options.late_customers_arrive is not None:
        arrive = f"TIMESTAMP '{options.late_customers_arrive}' + to_seconds(draw_below(i, 'late_at', 86400))"
        updated_at = f"CASE WHEN i > {on_time} THEN {arrive} ELSE {updated_at} END"
    con.execute(f"""
        CREATE OR REPLACE TABLE customer_versions AS
        WITH first_versions AS (
            SELECT
                i AS customer_id,
                pick({sql_strings(vocab.FIRST_NAMES)}, i, 'first_name') AS first_name,
                pick({sql_strings(vocab.LAST_NAMES)}, i, 'last_name') AS last_name,
                1 + draw_below(i, 'city', {n_cities}) AS city_no,
                DATE '2019-01-01' + draw_below(i, 'signup_date', 2500)::INTEGER AS signup_date,
                {updated_at} AS updated_at
            FROM range(1, {options.customers} + 1) AS t(i)
        ),
        versions AS (
            SELECT * FROM first_versions
            UNION ALL
            SELECT
                customer_id, first_name, last_name,
                1 + (city_no + draw_below(customer_id, 'moved_to', {n_cities - 1})) % {n_cities},
                signup_date,
                TIMESTAMP '{CUSTOMER_MOVE_WINDOW_START}'
                    + to_seconds(draw_below(customer_id, 'moved_at', {CUSTOMER_MOVE_WINDOW_DAYS} * 86400))
            FROM first_versions
            WHERE draw_below(customer_id, 'moves', 1000000) < {CUSTOMER_MOVE_SHARE_PPM} AND customer_id <= {on_time}
        )
        SELECT
            v.customer_id, v.first_name, v.last_name,
            strip_accents(lower(v.first_name)) || '.' || strip_accents(lower(v.last_name))
                || v.customer_id || '@example.com' AS email,
            c.city, c.state, c.country, v.signup_date, v.updated_at
        FROM versions AS v JOIN cities AS c USING (city_no)
    """)
    con.execute(f"""
        CREATE OR REPLACE TABLE products AS
        WITH drawn AS (
            SELECT
                i AS product_id,
                pick({sql_strings(vocab.BRANDS)}, i, 'brand') AS brand,
                pick({sql_strings(vocab.PRODUCT_ADJECTIVES)}, i, 'adjective') AS adjective,
                1 + draw_below(i, 'subcategory', {len(vocab.SUBCATEGORIES)}) AS subcategory_no,
                pick({sql_strings(vocab.PRICE_CENTS)}, i, 'cents')::DECIMAL(10, 2) AS cents
            FROM range(1, {options.products} + 1) AS t(i)
        )
        SELECT
            d.product_id,
            d.brand || ' ' || d.adjective || ' ' || s.subcategory AS product_name,
            s.category, s.subcategory, d.brand,
            (s.min_price + draw_below(d.product_id, 'price', s.max_price - s.min_price + 1))::DECIMAL(10, 2)
                + d.cents AS unit_price,
            TIMESTAMP '2025-12-01' + to_seconds(draw_below(d.product_id, 'updated_at', 30 * 86400)) AS updated_at
        FROM drawn AS d JOIN subcategories AS s USING (subcategory_no)
    """)
    # The city a sale counts for: the first version's until the move, the second one's from then on.
    # Customers have at most two versions, so one join replaces an ASOF join (4x faster at volume).
    con.execute("""
        CREATE OR REPLACE TABLE customer_cities AS
        SELECT
            customer_id,
            arg_min(city, updated_at) AS first_city,
            CASE WHEN count(*) > 1 THEN max(updated_at) END AS moved_at,
            CASE WHEN count(*) > 1 THEN arg_max(city, updated_at) END AS moved_city
        FROM customer_versions
        GROUP BY customer_id
    """)
    # Stores go round the cities (from a seeded offset) so every city and region has one.
    con.execute(f"""
        CREATE OR REPLACE TABLE locations AS
        SELECT
            i AS location_id,
            c.city || ' ' || pick({sql_strings(vocab.STORE_SUFFIXES)}, i, 'store_suffix') AS store_name,
            c.city, c.state, c.region, c.country,
            DATE '2010-01-01' + draw_below(i, 'opened_on', 5000)::INTEGER AS opened_on,
            c.tax_rate
        FROM range(1, {options.locations} + 1) AS t(i)
        JOIN cities AS c ON c.city_no = 1 + (i - 1 + draw_below(0, 'store_city_offset', {n_cities})) % {n_cities}
    """)


def write_dimensions(con: duckdb.DuckDBPyConnection, landing_dir: Path, options: GenerateOptions) -> None:
    """Write the three dimension files, keys as ``options.keys`` says; late customers only from their arrival day
    (``late_customers_arrive``). Rows stay in the order of the integer keys, whatever their spelling."""
    arrived = options.late_customers_arrive is None or options.dates[-1] >= options.late_customers_arrive
    keys = options.keys
    write_lines(
        con,
        f"""SELECT concat_ws(',', {keys.sql(CUSTOMER_ID, "customer_id")}, first_name, last_name, email, city, state,
                country, strftime(signup_date, '%Y-%m-%d'), strftime(updated_at, '{TIMESTAMP_FORMAT}')) AS line
            FROM customer_versions
            WHERE {arrived} OR customer_id <= {options.customers - options.late_customers}
            ORDER BY customer_id, updated_at""",
        landing_dir / "customers.csv",
        CUSTOMERS_HEADER,
    )
    write_lines(
        con,
        f"""SELECT concat_ws(',', {keys.sql(PRODUCT_ID, "product_id")}, product_name, category, subcategory, brand,
                unit_price, strftime(updated_at, '{TIMESTAMP_FORMAT}')) AS line
            FROM products ORDER BY product_id""",
        landing_dir / "products.csv",
        PRODUCTS_HEADER,
    )
    write_lines(
        con,
        f"""SELECT concat_ws(',', {keys.sql(LOCATION_ID, "location_id")}, store_name, city, state, region,
                country, strftime(opened_on, '%Y-%m-%d')) AS line
            FROM locations ORDER BY location_id""",
        landing_dir / "locations.csv",
        LOCATIONS_HEADER,
    )


def dimension_counts(con: duckdb.DuckDBPyConnection) -> dict:
    """The dimension streams' expected figures: every row lands and is valid."""
    versions, current = con.execute("SELECT count(*), count(DISTINCT customer_id) FROM customer_versions").fetchone()
    (n_products,) = con.execute("SELECT count(*) FROM products").fetchone()
    (n_locations,) = con.execute("SELECT count(*) FROM locations").fetchone()

    def stream(n: int) -> dict:
        return {"landed": n, "duplicates": 0, "valid": n, "quarantined": {}}

    return {
        "streams": {
            "customers": stream(versions),
            "products": stream(n_products),
            "locations": stream(n_locations),
        },
        "customers": {"versions": versions, "current": current},
    }
