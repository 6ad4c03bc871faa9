"""One day's reviews file (JSON lines), and the figures the pipeline must derive from it.

Documents are built by DuckDB's ``to_json`` from structs, so quotes and non-ASCII letters in titles and
bodies are escaped by the engine, never by string concatenation. A defective document is the valid one
with one thing changed: cut short, a key dropped or added, a value out of range or of the wrong type.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import duckdb

from elt.generate import _vocabulary as vocab
from elt.generate._defects import PPM, REVIEW_DEFECT_BASE_RATES, REVIEW_QUARANTINE_REASONS, scaled_bands
from elt.generate._files import write_lines
from elt.generate._keys import CUSTOMER_ID, PRODUCT_ID
from elt.generate._options import GenerateOptions, first_id_of
from elt.generate._session import sql_numbers, sql_strings

JSON_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_TAGS = 4
MAX_HELPFUL_VOTES = 3
# Ratings lean positive, as real ones do.
RATING_SCALE = (1, 2, 3, 3, 4, 4, 4, 5, 5, 5)


def reviews_file(landing_dir: Path, day: datetime.date) -> Path:
    return landing_dir / "reviews" / f"reviews_{day.isoformat()}.jsonl"


def _reviews_sql(options: GenerateOptions, day: datetime.date, documents: int) -> str:
    """A relation of the day's documents in file order: kind and the typed fields of the valid document."""
    bands = scaled_bands(REVIEW_DEFECT_BASE_RATES, options.defect_rate)
    tags_twice = sql_strings(vocab.REVIEW_TAGS * 2)  # a window of up to MAX_TAGS from any start
    ratings = sql_numbers(RATING_SCALE, "INTEGER")
    votes = ", ".join(
        f"""{{'user_id': 1 + draw_below(review_id, 'review_vote_user_{k}', {options.customers}),
              'vote': CASE WHEN draw_below(review_id, 'review_vote_{k}', 4) = 0 THEN 'down' ELSE 'up' END,
              'at': strftime(created_at + to_seconds(1 + draw_below(review_id, 'review_vote_at_{k}', 3 * 86400)),
                             '{JSON_TIMESTAMP_FORMAT}')}}"""
        for k in range(1, MAX_HELPFUL_VOTES + 1)
    )
    return f"""
        SELECT
            i AS position,
            {first_id_of(day)} + position AS review_id,
            {bands.case_sql(f"draw_below(review_id, 'review_kind', {PPM})")} AS kind,
            1 + draw_below(review_id, 'review_product_id', {options.products}) AS product_id,
            1 + draw_below(review_id, 'review_customer_id', {options.customers}) AS customer_id,
            TIMESTAMP '{day.isoformat()}' + to_seconds(draw_below(review_id, 'review_created_at', 86400)) AS created_at,
            pick({ratings}, review_id, 'review_rating_overall') AS overall,
            pick({ratings}, review_id, 'review_rating_value') AS value,
            pick({ratings}, review_id, 'review_rating_quality') AS quality,
            pick({sql_strings(vocab.REVIEW_TITLES)}, review_id, 'review_title') AS title,
            pick({sql_strings(vocab.REVIEW_OPENINGS)}, review_id, 'review_opening') || ' '
                || pick({sql_strings(vocab.REVIEW_VERDICTS)}, review_id, 'review_verdict') AS body,
            draw_below(review_id, 'review_verified_purchase', 100) < 80 AS verified_purchase,
            list_slice(
                {tags_twice},
                1 + draw_below(review_id, 'review_tags_from', {len(vocab.REVIEW_TAGS)}),
                draw_below(review_id, 'review_tags_from', {len(vocab.REVIEW_TAGS)})
                    + draw_below(review_id, 'review_tag_count', {MAX_TAGS + 1})
            ) AS tags,
            list_slice([{votes}], 1, draw_below(review_id, 'review_vote_count', {MAX_HELPFUL_VOTES + 1}))
                AS helpful_votes
        FROM range(1, {documents} + 1) AS t(i)
    """


def _document_sql(kind_changes: dict[str, str], drop: str | None = None, extra: dict[str, str] | None = None) -> str:
    """``to_json`` of the document struct, with some keys' expressions replaced, one dropped or some added."""
    fields = (
        {
            "review_id": "review_id",
            "product_id": "product_id",
            "customer_id": "customer_id",
            "created_at": f"strftime(created_at, '{JSON_TIMESTAMP_FORMAT}')",
            "rating": "{'overall': overall, 'value': value, 'quality': quality}",
            "title": "title",
            "body": "body",
            "verified_purchase": "verified_purchase",
            "tags": "tags",
            "helpful_votes": "helpful_votes",
        }
        | kind_changes
        | (extra or {})
    )
    return "to_json({" + ", ".join(f"'{k}': {v}" for k, v in fields.items() if k != drop) + "})::VARCHAR"


def write_reviews_day(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, options: GenerateOptions, day: datetime.date, documents: int
) -> None:
    """Write the day's reviews file; its product and customer ids as ``options.keys`` says (a string key is a JSON
    string, as the review contract then requires), the rest of a document as drawn."""
    keys = options.keys
    valid = _document_sql({})
    out_of_range_overall = (
        "CASE WHEN draw_below(review_id, 'review_overall_out_of_range', 2) = 0 THEN 0 "
        "ELSE 6 + draw_below(review_id, 'review_overall_too_high', 4) END"
    )
    lines = f"""
        SELECT CASE kind
            WHEN 'invalid_json' THEN left({valid},
                (length({valid}) * (2 + draw_below(review_id, 'review_truncate_at', 7)) // 10)::BIGINT)
            WHEN 'missing_required' THEN {_document_sql({}, drop="review_id")}
            WHEN 'out_of_range' THEN {
        _document_sql({"rating": f"{{'overall': {out_of_range_overall}, 'value': value, 'quality': quality}}"})
    }
            WHEN 'wrong_type' THEN {_document_sql({"tags": "array_to_string(tags, ' ')"})}
            WHEN 'undeclared_key' THEN {
        _document_sql({}, extra={"sentiment": "(draw_below(review_id, 'review_sentiment', 201) - 100) / 100"})
    }
            ELSE {valid}
        END AS line
        FROM (
            SELECT * REPLACE ({keys.sql(PRODUCT_ID, "product_id")} AS product_id,
                              {keys.sql(CUSTOMER_ID, "customer_id")} AS customer_id)
            FROM ({_reviews_sql(options, day, documents)})
        )
    """
    write_lines(con, lines, reviews_file(landing_dir, day), header=None)


def expected_reviews_day(
    con: duckdb.DuckDBPyConnection, options: GenerateOptions, day: datetime.date, documents: int
) -> tuple[dict, dict]:
    """The day's ``streams.reviews`` entry and the figures of its valid documents."""
    grouped = con.execute(f"""
        SELECT kind, count(*), sum(len(tags)), sum(len(helpful_votes)), sum(overall)
        FROM ({_reviews_sql(options, day, documents)})
        GROUP BY kind ORDER BY kind
    """).fetchall()
    by_kind = {kind: (n, tags, votes, overall) for kind, n, tags, votes, overall in grouped}
    valid, tags, votes, overall = by_kind.get("clean", (0, 0, 0, 0))
    stream = {
        "landed": sum(n for n, *_ in by_kind.values()),
        "duplicates": 0,
        "valid": valid,
        "quarantined": {reason: by_kind.get(reason, (0,))[0] for reason in REVIEW_QUARANTINE_REASONS},
    }
    return stream, {"count": valid, "tags": tags, "helpful_votes": votes, "rating_overall_sum": overall}
