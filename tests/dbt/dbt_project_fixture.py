"""The dbt project's test warehouse and how the tests invoke dbt.

A small hand-written warehouse holds the raw, parsed and elt_meta tables the pipeline writes before dbt runs.

The layouts are the ones the ingestion (raw: Airbyte's Snowflake-destination layout), the review parser
(parsed) and the ingestion's bookkeeping (elt_meta) promise. The rows hold every case the models must
handle; the expected figures in test_dbt_project_build.py are worked out by hand from them.

Batches: batch 1 extracted 2024-03-01 06:00 UTC, batch 2 extracted 2024-04-01 06:00 UTC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from elt.dbt_invocation import project_vars
from elt.settings import Settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt"
BUILD_SCHEMA = "audit_b000001_20240401t060000"
SNOWFLAKE_DUMMY_ENV = {
    "SNOWFLAKE_ACCOUNT": "xy12345.eu-west-1",
    "SNOWFLAKE_USER": "ELT_DBT",
    "SNOWFLAKE_PRIVATE_KEY_PATH": "/nonexistent/rsa_key.p8",
    "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "not-a-secret",
    "SNOWFLAKE_ROLE": "TRANSFORMER",
    "SNOWFLAKE_WAREHOUSE": "TRANSFORMING",
    "SNOWFLAKE_DATABASE": "ANALYTICS_DB",
}

B1 = "2024-03-01 06:00:00+00"
B2 = "2024-04-01 06:00:00+00"
LANDING = "file:///data/landing/"

AIRBYTE_COLUMNS = """
    _airbyte_raw_id varchar,
    _airbyte_extracted_at timestamptz,
    _airbyte_meta json,
    _airbyte_generation_id bigint,
    _ab_source_file_url varchar,
    _ab_source_file_line bigint
"""

DDL = f"""
create schema raw;
create schema parsed;
create schema elt_meta;

create table raw.customers (
    customer_id bigint, first_name varchar, last_name varchar, email varchar, city varchar, state varchar,
    country varchar, signup_date date, updated_at timestamp, {AIRBYTE_COLUMNS}
);
create table raw.products (
    product_id bigint, product_name varchar, category varchar, subcategory varchar, brand varchar,
    unit_price decimal(38, 9), updated_at timestamp, {AIRBYTE_COLUMNS}
);
create table raw.locations (
    location_id bigint, store_name varchar, city varchar, state varchar, region varchar, country varchar,
    opened_on date, {AIRBYTE_COLUMNS}
);
create table raw.sales (
    sale_id bigint, customer_id bigint, product_id bigint, location_id bigint, sold_at timestamp,
    quantity bigint, unit_price decimal(38, 9), discount decimal(38, 9), tax_amount decimal(38, 9),
    {AIRBYTE_COLUMNS}
);
create table raw.reviews (_airbyte_data varchar, {AIRBYTE_COLUMNS});

create table parsed.reviews (
    review_id bigint, product_id bigint, customer_id bigint, created_at timestamp, rating_overall integer,
    rating_value integer, rating_quality integer, title varchar, body varchar, verified_purchase boolean,
    _airbyte_raw_id varchar, _airbyte_extracted_at timestamptz, _ab_source_file_url varchar
);
create table parsed.review_tags (
    review_id bigint, tag_position integer, tag varchar, _airbyte_raw_id varchar
);
create table parsed.review_helpful_votes (
    review_id bigint, vote_position integer, user_id bigint, vote varchar, voted_at timestamp,
    _airbyte_raw_id varchar
);
create table parsed.reviews_quarantine (
    _airbyte_raw_id varchar, _airbyte_extracted_at timestamptz, _ab_source_file_url varchar,
    _ab_source_file_line bigint, document varchar, reason varchar, detail varchar
);

create table elt_meta.landed_files (
    stream varchar, file_url varchar, checksum varchar, records bigint, batch_id bigint,
    generation_id bigint, extracted_at timestamptz, superseded boolean, unchanged bigint
);
"""


def _meta(sync_id: int) -> str:
    return json.dumps({"sync_id": sync_id, "changes": []})


def _error_meta(sync_id: int, error_type: str, error: str, source_record: str) -> str:
    return json.dumps(
        {
            "sync_id": sync_id,
            "changes": [{"field": "_airbyte_data", "change": "NULLED", "reason": "SOURCE_SERIALIZATION_ERROR"}],
            "error_type": error_type,
            "error": error,
            "source_record": source_record,
        }
    )


def _airbyte(raw_id: str, batch: int, file: str, line: int | None, meta: str | None = None) -> tuple:
    extracted_at = B1 if batch == 1 else B2
    return (raw_id, extracted_at, meta or _meta(batch), batch, LANDING + file, line)


# fmt: off
CUSTOMERS = [
    # batch 1: customers.csv with two customers
    (1, "Ada", "Lovelace", "ada@example.com", "Boston", "MA", "US", "2023-01-05", "2024-01-01 00:00:00",
     *_airbyte("cus-b1-1", 1, "customers.csv", 2)),
    (2, "Grace", "Hopper", "grace@example.com", "Arlington", "VA", "US", "2023-02-01", "2024-01-15 00:00:00",
     *_airbyte("cus-b1-2", 1, "customers.csv", 3)),
    # batch 2: the file again, with customer 1's move to Denver and one line missing columns
    (1, "Ada", "Lovelace", "ada@example.com", "Boston", "MA", "US", "2023-01-05", "2024-01-01 00:00:00",
     *_airbyte("cus-b2-1", 2, "customers.csv", 2)),
    (2, "Grace", "Hopper", "grace@example.com", "Arlington", "VA", "US", "2023-02-01", "2024-01-15 00:00:00",
     *_airbyte("cus-b2-2", 2, "customers.csv", 3)),
    (1, "Ada", "Lovelace", "ada@example.com", "Denver", "CO", "US", "2023-01-05", "2024-03-01 00:00:00",
     *_airbyte("cus-b2-3", 2, "customers.csv", 4)),
    (None, None, None, None, None, None, None, None, None,
     *_airbyte("cus-b2-4", 2, "customers.csv", 5,
               _error_meta(2, "MISSING COLUMNS", "expected 9 columns, got 3", "4,Alan,Turing"))),
]

PRODUCTS = [
    (10, "Widget", "Hardware", "Tools", "Acme", "19.99", "2024-01-01 00:00:00",
     *_airbyte("prd-b1-1", 1, "products.csv", 2)),
    (20, "Gadget", "Electronics", "Audio", "Globex", "10.00", "2024-01-01 00:00:00",
     *_airbyte("prd-b1-2", 1, "products.csv", 3)),
    # batch 2: a price change of the widget
    (10, "Widget", "Hardware", "Tools", "Acme", "21.50", "2024-02-01 00:00:00",
     *_airbyte("prd-b2-1", 2, "products.csv", 2)),
]

LOCATIONS = [
    # batch 2's locations.csv replaced batch 1's (full refresh: batch 1's records are gone from raw)
    (100, "Downtown", "Boston", "MA", "East", "US", "2020-05-01", *_airbyte("loc-b2-1", 2, "locations.csv", 2)),
    (200, "Mall", "Austin", "TX", "South", "US", "2021-09-15", *_airbyte("loc-b2-2", 2, "locations.csv", 3)),
]

SALES_B1 = "sales/sales_2024_02.csv"
SALES_B2 = "sales/sales_2024_03.csv"
SALES = [
    # valid: customer 1 still lives in Boston on 2024-02-10
    (1, 1, 10, 100, "2024-02-10 10:00:00", 3, "19.99", "0.15", "4.10", *_airbyte("sal-b1-1", 1, SALES_B1, 2)),
    (2, 2, 20, 200, "2024-02-11 12:00:00", 1, "10.00", "0", "0.80", *_airbyte("sal-b1-2", 1, SALES_B1, 3)),
    (3, None, 10, 100, "2024-02-11 13:00:00", 1, "19.99", "0", "1.00", *_airbyte("sal-b1-3", 1, SALES_B1, 4)),
    (4, 1, 999, 100, "2024-02-12 09:00:00", 1, "5.00", "0", "0.40", *_airbyte("sal-b1-4", 1, SALES_B1, 5)),
    (5, 2, 20, 100, "2024-02-12 10:00:00", -2, "10.00", "0", "0", *_airbyte("sal-b1-5", 1, SALES_B1, 6)),
    (None, None, None, None, None, None, None, None, None,
     *_airbyte("sal-b1-6", 1, SALES_B1, 7,
               _error_meta(1, "CAST", "could not cast 'abc' to integer (quantity)",
                           "6,1,10,100,2024-02-12 11:00:00,abc,1.00,0,0"))),
    # batch 2: sale 1 delivered again, then customer 1 (now in Denver) buys on 2024-03-05
    (1, 1, 10, 100, "2024-02-10 10:00:00", 3, "19.99", "0.15", "4.10", *_airbyte("sal-b2-1", 2, SALES_B2, 2)),
    (7, 1, 20, 200, "2024-03-05 15:30:00", 2, "10.00", "0.10", "1.60", *_airbyte("sal-b2-2", 2, SALES_B2, 3)),
    (None, None, None, None, None, None, None, None, None,
     *_airbyte("sal-b2-3", 2, SALES_B2, 4,
               _error_meta(2, "TOO MANY COLUMNS", "expected 9 columns, got 11",
                           "8,2,20,200,2024-03-06 10:00:00,1,10.00,0,0.80,x,y"))),
]

REVIEWS_B1 = "reviews/reviews_2024_02.jsonl"
REVIEWS_B2 = "reviews/reviews_2024_03.jsonl"
REVIEW_1000 = {
    "review_id": 1000, "product_id": 10, "customer_id": 1, "created_at": "2024-02-15T09:00:00",
    "rating": {"overall": 5, "value": 4, "quality": 5}, "title": "Solid", "body": "Does the job.",
    "verified_purchase": True, "tags": ["sturdy", "value"],
    "helpful_votes": [
        {"user_id": 7, "vote": "up", "voted_at": "2024-02-16T10:00:00"},
        {"user_id": 8, "vote": "down", "voted_at": "2024-02-16T11:00:00"},
        {"user_id": 9, "vote": "up", "voted_at": "2024-02-17T12:00:00"},
    ],
}
REVIEW_1001 = {
    "review_id": 1001, "product_id": 20, "customer_id": 2, "created_at": "2024-02-20T18:30:00",
    "rating": {"overall": 3, "value": 3, "quality": 2}, "title": "Okay", "body": "Fine for the price.",
    "verified_purchase": False, "tags": [],
    "helpful_votes": [{"user_id": 7, "vote": "up", "voted_at": "2024-02-21T08:00:00"}],
}
REVIEW_1003 = {
    "review_id": 1003, "product_id": 999, "customer_id": 2, "created_at": "2024-02-22T08:00:00",
    "rating": {"overall": 1, "value": 1, "quality": 1}, "title": "Lost", "body": "Which product?",
    "verified_purchase": False, "tags": ["confused"], "helpful_votes": [],
}
INVALID_REVIEW = '{"review_id": 1002, "product_id": 10, '
# fmt: on

RAW_REVIEWS = [
    (json.dumps(REVIEW_1000), *_airbyte("rev-b1-1", 1, REVIEWS_B1, 1)),
    (json.dumps(REVIEW_1001), *_airbyte("rev-b1-2", 1, REVIEWS_B1, 2)),
    (INVALID_REVIEW, *_airbyte("rev-b1-3", 1, REVIEWS_B1, 3)),
    (json.dumps(REVIEW_1003), *_airbyte("rev-b1-4", 1, REVIEWS_B1, 4)),
    # batch 2: review 1000 delivered again
    (json.dumps(REVIEW_1000), *_airbyte("rev-b2-1", 2, REVIEWS_B2, 1)),
]


def _parsed(document: dict, raw_id: str, batch: int, file: str) -> tuple:
    rating = document["rating"]
    return (
        document["review_id"],
        document["product_id"],
        document["customer_id"],
        document["created_at"].replace("T", " "),
        rating["overall"],
        rating["value"],
        rating["quality"],
        document["title"],
        document["body"],
        document["verified_purchase"],
        raw_id,
        B1 if batch == 1 else B2,
        LANDING + file,
    )


PARSED_DOCUMENTS = [
    (REVIEW_1000, "rev-b1-1", 1, REVIEWS_B1),
    (REVIEW_1001, "rev-b1-2", 1, REVIEWS_B1),
    (REVIEW_1003, "rev-b1-4", 1, REVIEWS_B1),
    (REVIEW_1000, "rev-b2-1", 2, REVIEWS_B2),
]
PARSED_REVIEWS = [_parsed(*args) for args in PARSED_DOCUMENTS]
PARSED_TAGS = [
    (document["review_id"], position, tag, raw_id)
    for document, raw_id, _, _ in PARSED_DOCUMENTS
    for position, tag in enumerate(document["tags"])
]
PARSED_VOTES = [
    (document["review_id"], position, vote["user_id"], vote["vote"], vote["voted_at"].replace("T", " "), raw_id)
    for document, raw_id, _, _ in PARSED_DOCUMENTS
    for position, vote in enumerate(document["helpful_votes"])
]
REVIEWS_QUARANTINE = [
    ("rev-b1-3", B1, LANDING + REVIEWS_B1, 3, INVALID_REVIEW, "invalid_json", "unexpected end of input"),
]

LANDED_FILES = [
    ("customers", LANDING + "customers.csv", "c1", 2, 1, 1, B1, False, 0),
    ("customers", LANDING + "customers.csv", "c2", 4, 2, 2, B2, False, 0),
    ("products", LANDING + "products.csv", "p1", 2, 1, 1, B1, False, 0),
    ("products", LANDING + "products.csv", "p2", 1, 2, 2, B2, False, 0),
    ("locations", LANDING + "locations.csv", "l1", 2, 1, 1, B1, True, 0),
    ("locations", LANDING + "locations.csv", "l2", 2, 2, 2, B2, False, 0),
    ("sales", LANDING + SALES_B1, "s1", 6, 1, 1, B1, False, 0),
    ("sales", LANDING + SALES_B2, "s2", 3, 2, 2, B2, False, 0),
    ("reviews", LANDING + REVIEWS_B1, "r1", 4, 1, 1, B1, False, 0),
    ("reviews", LANDING + REVIEWS_B2, "r2", 1, 2, 2, B2, False, 0),
]

TABLES = {
    "raw.customers": CUSTOMERS,
    "raw.products": PRODUCTS,
    "raw.locations": LOCATIONS,
    "raw.sales": SALES,
    "raw.reviews": RAW_REVIEWS,
    "parsed.reviews": PARSED_REVIEWS,
    "parsed.review_tags": PARSED_TAGS,
    "parsed.review_helpful_votes": PARSED_VOTES,
    "parsed.reviews_quarantine": REVIEWS_QUARANTINE,
    "elt_meta.landed_files": LANDED_FILES,
}


def create_fixture_warehouse(path: Path) -> None:
    """Create the DuckDB file at `path` with the source schemas and the fixture rows."""
    with duckdb.connect(str(path)) as connection:
        connection.execute(DDL)
        for table, rows in TABLES.items():
            if rows:
                placeholders = ", ".join("?" * len(rows[0]))
                connection.executemany(f"insert into {table} values ({placeholders})", rows)


@dataclass(frozen=True)
class DbtRun:
    """Where a dbt invocation wrote, and how to read the warehouse it built."""

    warehouse_path: Path
    target_path: Path
    log_path: Path
    schema: str

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse_path)) as connection:
            return connection.execute(sql).fetchall()


def vars_arguments() -> list[str]:
    """``--vars`` as the pipeline gives it to every dbt command: each field's type from the catalogue."""
    return ["--vars", json.dumps(project_vars(Settings()))]


def invoke_dbt(args: list[str], run: DbtRun) -> object:
    """Run dbt in-process with the project's profiles.yml and vars; artefacts and logs go under the run's tmp dirs."""
    from dbt.cli.main import dbtRunner

    return dbtRunner().invoke(
        [
            *args,
            *vars_arguments(),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(run.target_path),
            "--log-path",
            str(run.log_path),
        ]
    )


def failures(result: object) -> list[str]:
    """The failing nodes of a dbt result, with their messages, for assertion output."""
    if getattr(result, "exception", None) is not None:
        return [repr(result.exception)]
    node_results = getattr(getattr(result, "result", None), "results", None) or []
    return [
        f"{node.node.unique_id}: {node.status}: {node.message}"
        for node in node_results
        if str(node.status) not in {"success", "pass"}
    ]
