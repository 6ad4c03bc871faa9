"""Benchmark the embedded sync on many small daily files: files/s, seconds per file and MB/s.

Usage: ``python benchmarks/bench_sync.py [DAYS] [--sales-per-day N]`` (default 2,000 days of 20 sales each).
The generator writes DAYS daily sales files and DAYS daily review files (with its planted defects); only
``EmbeddedSync.sync`` is timed, no Prefect. Then one more day is landed twice: on a warehouse holding only the
first day, and on the one holding all DAYS; the sync's cost follows what arrived when the two are alike. The
machine may be shared: the CPU seconds and the load average beside the wall time tell a slow run from a busy
machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from elt.catalog import load_catalog
from elt.generate import GenerateOptions, generate
from elt.lake import LocalLake
from elt.settings import Settings
from elt.sync import EmbeddedSync, SyncResult
from elt.warehouse import DuckDBWarehouse

FIRST_DAY = dt.date(2020, 1, 1)


@dataclass(frozen=True)
class Timed:
    files: int
    megabytes: float
    seconds: float
    cpu_seconds: float

    def line(self, what: str) -> str:
        return (
            f"{what}: {self.files:,} files, {self.megabytes:,.1f} MB in {self.seconds:,.2f} s"
            f" (CPU {self.cpu_seconds:,.2f} s): {self.files / self.seconds:,.1f} files/s,"
            f" {self.seconds / self.files * 1000:,.1f} ms per file, {self.megabytes / self.seconds:,.2f} MB/s"
        )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed_sync(root: Path) -> Timed:
    sync = EmbeddedSync(
        load_catalog(Settings().catalog_path),
        DuckDBWarehouse(root / "warehouse.duckdb"),
        LocalLake(root / "lake"),
        root / "landing",
    )
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    result = sync.sync()
    seconds, cpu_seconds = time.perf_counter() - started, _cpu_seconds() - cpu_started
    _refuse_problems(result)
    by_url = {f.file_url for f in result.loaded}
    megabytes = sum((root / "landing" / url).stat().st_size for url in by_url) / 1e6
    return Timed(len(result.loaded), megabytes, seconds, cpu_seconds)


def _refuse_problems(result: SyncResult) -> None:
    if result.problems:
        sys.exit("the sync refused files, the figures would not be comparable: " + result.problems[0].message)


def _day(options: GenerateOptions, day: dt.date) -> GenerateOptions:
    return GenerateOptions(
        **{**options.__dict__, "start_date": day, "days": 1, "sales_rows": options.sales_rows // options.days}
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("days", nargs="?", type=int, default=2_000)
    parser.add_argument("--sales-per-day", type=int, default=20)
    args = parser.parse_args(argv)
    options = GenerateOptions(
        sales_rows=args.days * args.sales_per_day, days=args.days, start_date=FIRST_DAY, customers=200, products=40
    )
    extra_day = FIRST_DAY + dt.timedelta(days=args.days)

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as folder:
        small, large = Path(folder) / "small", Path(folder) / "large"
        generate(small / "landing", _day(options, FIRST_DAY))
        _timed_sync(small)
        generate(large / "landing", options)
        bulk = _timed_sync(large)
        for root in (small, large):
            generate(root / "landing", _day(options, extra_day))
        after_one = _timed_sync(small)
        after_all = _timed_sync(large)

    print(bulk.line(f"{args.days:,} days into an empty warehouse"))
    print(after_one.line("one more day after 1 day in RAW"))
    print(after_all.line(f"one more day after {args.days:,} days in RAW"))
    print(f"load avg: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (1 min)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
