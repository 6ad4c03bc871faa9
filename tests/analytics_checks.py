"""What BI reads in ``analytics``, and the answers it must give: the generator's (``_expected.json``)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from elt.generate import expected_figures, mismatches, published_figures


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def published_rows(warehouse: Path) -> dict[str, list[tuple]]:
    """Every published view's rows, in a stable order: what a BI reader of ``analytics`` sees."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        views = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'analytics' order by 1"
            ).fetchall()
        ]
        return {v: con.execute(f'select * from analytics."{v}" order by all').fetchall() for v in views}


def assert_published_matches(warehouse: Path, expected: dict, *, redelivered: frozenset[str] = frozenset()) -> None:
    """What BI reads in ``analytics`` gives the generator's answers: reconciliation, sales, reviews, customers
    (``elt.generate.published_figures``, the reading the benchmarks check the floor with).

    For the ``redelivered`` streams, whose changed files landed records again, RAW holds more than the generator
    wrote: there every RAW record must still be a duplicate, valid or quarantined, and the valid and quarantined
    ones exactly the generator's.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        published = published_figures(con, "analytics")
        balances = con.execute(
            "select stream, landed, in_raw, duplicates + valid + quarantined from analytics.rpt_reconciliation"
        ).fetchall()
    wanted = expected_figures(expected)
    for stream in redelivered:
        for figure in ("landed", "in_raw", "duplicates"):
            del published["streams"][stream][figure], wanted["streams"][stream][figure]
    assert mismatches(published, wanted) == []
    for stream, landed, in_raw, accounted in balances:
        if stream in redelivered:
            assert landed == in_raw == accounted, stream
            assert in_raw > expected["streams"][stream]["landed"], f"{stream}: nothing was landed again"
