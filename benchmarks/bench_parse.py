"""Benchmark the DuckDB parsing compiler on the review documents: documents, seconds, docs/s and peak RSS.

Usage: ``python benchmarks/bench_parse.py [DOCUMENTS] [--memory-limit 1GB]`` (default 1,000,000). One day of
demo reviews (with every planted defect) is generated, landed in RAW and repeated in SQL up to DOCUMENTS;
only ``DuckDBParser.parse`` is timed. The machine may be shared: the CPU seconds the parse used and the load
average beside the wall time tell a slow run from a busy machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from elt.catalog import load_catalog
from elt.generate import GenerateOptions, generate
from elt.parsing import DuckDBParser, load_contract
from elt.settings import Settings
from elt.sync._embedded import raw_table_ddl
from elt.warehouse import DuckDBWarehouse

SEED_DOCUMENTS = 20_000


def land_reviews(warehouse: DuckDBWarehouse, landing: Path, documents: int) -> None:
    """Repeat the generated review lines until RAW holds ``documents`` rows (every copy is a new record)."""
    with warehouse.connect() as con:
        con.execute(raw_table_ddl(load_catalog(Settings().catalog_path).stream("reviews")))
        con.execute(
            "create temp table seed as select row_number() over () as n, line from read_csv(?, columns={'line':"
            " 'varchar'}, delim=chr(1), quote='', escape='', header=false)",
            [str(next((landing / "reviews").glob("*.jsonl")))],
        )
        con.execute(
            "insert into raw.reviews select s.line, uuid()::varchar, timestamptz '2026-01-01 00:00:00+00', '{}',"
            " 0, 'reviews/bench.jsonl', i * 1000000 + s.n from range(?) r(i), seed s"
            " where i * (select count(*) from seed) + s.n <= ?",
            [documents // SEED_DOCUMENTS + 1, documents],
        )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("documents", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--memory-limit", default="1GB")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-parse-") as folder:
        root = Path(folder)
        sales_rows = round(SEED_DOCUMENTS / 0.05)
        generate(root / "landing", GenerateOptions(sales_rows=sales_rows, days=1))
        warehouse = DuckDBWarehouse(root / "w.duckdb", memory_limit=args.memory_limit)
        warehouse.ensure_schemas()
        land_reviews(warehouse, root / "landing", args.documents)
        contract = load_contract(Settings().contracts_dir / "reviews.yml")
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        result = DuckDBParser(warehouse).parse(contract)
        seconds, cpu_seconds = time.perf_counter() - started, _cpu_seconds() - cpu_started
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(f"documents:   {result.documents:,} (parsed {result.parsed:,}, quarantined {result.quarantined:,})")
    print(f"seconds:     {seconds:,.1f}")
    print(f"docs/s:      {result.documents / seconds:,.0f}")
    print(f"CPU seconds: {cpu_seconds:,.1f} ({result.documents / cpu_seconds:,.0f} docs per CPU-second)")
    print(f"load avg:    {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (1 min)")
    print(f"peak RSS:    {peak_rss_mb:,.0f} MiB (memory_limit {args.memory_limit})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
