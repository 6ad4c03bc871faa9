"""Benchmark ``elt.generate.generate``: rows, seconds, rows/s, bytes written and peak RSS.

Usage: ``python benchmarks/bench_generate.py [SALES_ROWS] [--days N] [--keep DIR]``
(default 5,000,000 rows over 7 days into a temporary folder that is deleted afterwards).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from elt.generate import GenerateOptions, generate


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sales_rows", nargs="?", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="write here and keep the files")
    args = parser.parse_args(argv)

    landing = args.keep or Path(tempfile.mkdtemp(prefix="bench-generate-"))
    try:
        started = time.perf_counter()
        expected = generate(landing, GenerateOptions(sales_rows=args.sales_rows, days=args.days))
        seconds = time.perf_counter() - started
        written = folder_bytes(landing)
    finally:
        if args.keep is None:
            shutil.rmtree(landing, ignore_errors=True)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(f"sales rows:   {args.sales_rows:,} over {args.days} days")
    print(f"review docs:  {expected['streams']['reviews']['landed']:,}")
    print(f"seconds:      {seconds:,.1f}")
    print(f"sales rows/s: {args.sales_rows / seconds:,.0f}")
    print(f"bytes:        {written:,} ({written / 2**30:.2f} GiB)")
    print(f"peak RSS:     {peak_rss_mb:,.0f} MiB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
