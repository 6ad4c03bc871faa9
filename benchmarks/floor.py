"""The floor: ``floor.sql`` (the pipeline's work as one bare DuckDB script) on a landing folder, checked.

Usage: ``python benchmarks/floor.py LANDING [--database PATH] [--expected PATH] [--memory-limit 4GB]
[--threads 2]``. Builds the marts into a fresh DuckDB file (a temporary one unless ``--database``), then compares
them with ``_expected.json`` (``elt.generate.published_figures``: the end-to-end tests' reading). Prints one JSON
line with the build and check seconds; exits 1 naming every figure that differs, so the floor cannot be a strawman.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from elt.generate import expected_figures, mismatches, published_figures

SCRIPT = Path(__file__).with_name("floor.sql")


def run_floor(landing: Path, database: Path, *, memory_limit: str | None = None, threads: int | None = None) -> None:
    """Run ``floor.sql`` on ``landing`` into ``database`` (which must not exist yet)."""
    if database.exists():
        raise FileExistsError(f"{database} exists: the floor builds into a fresh database")
    config = {"temp_directory": str(database.with_suffix(".tmp"))}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = str(threads)
    landing_sql = str(landing.resolve()).replace("'", "''")
    with duckdb.connect(str(database), config=config) as con:
        con.execute(SCRIPT.read_text(encoding="utf-8").replace("{landing}", landing_sql))


def check_floor(database: Path, expected: dict) -> list[str]:
    """The figures of the floor's marts that differ from ``_expected.json``."""
    with duckdb.connect(str(database), read_only=True) as con:
        return mismatches(published_figures(con, "main"), expected_figures(expected))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("--database", type=Path, help="where to build (default: a temporary file)")
    parser.add_argument("--expected", type=Path, help="default: LANDING/_expected.json")
    parser.add_argument("--memory-limit")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    expected = json.loads((args.expected or args.landing / "_expected.json").read_text(encoding="utf-8"))

    with tempfile.TemporaryDirectory(prefix="elt-floor-") as folder:
        database = args.database or Path(folder) / "floor.duckdb"
        started = time.perf_counter()
        run_floor(args.landing, database, memory_limit=args.memory_limit, threads=args.threads)
        built = time.perf_counter()
        wrong = check_floor(database, expected)
        checked = time.perf_counter()
    print(json.dumps({"build_s": round(built - started, 3), "check_s": round(checked - built, 3), "wrong": wrong}))
    if wrong:
        print(f"the floor's figures differ from _expected.json ({len(wrong)}):", *wrong, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
