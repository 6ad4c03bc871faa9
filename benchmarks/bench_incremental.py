"""Benchmark incremental publication: rows each publish writes into the facts against the facts' size.

Usage: ``python benchmarks/bench_incremental.py [HISTORY_SALES] [--days N] [--next-day-sales M]`` (default
200,000 sales over 7 days, then 20,000 on the next day). Runs the ``elt`` flow twice on generated data (an
ephemeral Prefect server starts first) and prints, per run: wall time, the rows of the build's deltas (what
publish merges into the store) and the published fact sizes, and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from elt.generate import GenerateOptions, generate

FACTS = ("fct_sales", "fct_reviews")


def _figures(warehouse: Path, build_schema: str) -> dict[str, tuple[int, int]]:
    """Per fact: (rows in the build's delta, rows published)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            fact: (
                con.execute(f'select count(*) from "{build_schema}".{fact}_delta').fetchone()[0],
                con.execute(f"select count(*) from analytics.{fact}").fetchone()[0],
            )
            for fact in FACTS
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("history_sales", nargs="?", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--next-day-sales", type=int, default=20_000)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as folder:
        root = Path(folder)
        os.environ.update(
            {
                "ELT_DATA_DIR": str(root),
                "PREFECT_HOME": str(root / "prefect"),
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
            }
        )
        from flows.elt import elt  # after the environment: settings and Prefect read it on import

        history = GenerateOptions(sales_rows=args.history_sales, days=args.days, defect_rate=0.5)
        next_day = GenerateOptions(
            **{
                **history.__dict__,
                "sales_rows": args.next_day_sales,
                "days": 1,
                "start_date": history.start_date + dt.timedelta(days=args.days),
            }
        )
        print(f"{'run':<10} {'seconds':>8} {'fact':<12} {'delta rows':>11} {'published':>10} {'ratio':>8}")
        for label, options in (("history", history), ("next day", next_day)):
            generate(root / "landing", options)
            started = time.perf_counter()
            summary = elt()
            seconds = time.perf_counter() - started
            if summary.build_schema is None:
                sys.exit(f"{label}: nothing was built ({summary.status})")
            for fact, (delta, published) in _figures(root / "warehouse.duckdb", summary.build_schema).items():
                print(f"{label:<10} {seconds:>8.1f} {fact:<12} {delta:>11,} {published:>10,} {delta / published:>8.3f}")


if __name__ == "__main__":
    main()
