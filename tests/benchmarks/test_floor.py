"""The benchmark's floor (benchmarks/floor.sql) gives the generator's answers, so it stays the same work as the
pipeline while the models change; and a figure it gets wrong fails it by name."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from elt.generate import GenerateOptions, generate

FLOOR = Path(__file__).resolve().parents[2] / "benchmarks" / "floor.py"
# Defects raised so that each planted kind occurs even in 150 review documents.
OPTIONS = GenerateOptions(seed=5, sales_rows=3_000, days=2, customers=300, products=60, defect_rate=8.0)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("floor") / "landing"
    expected = generate(folder, OPTIONS)
    for stream in ("sales", "reviews"):
        assert all(expected["streams"][stream]["quarantined"].values()), f"every {stream} defect is planted"
    return folder


def _floor(landing: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(FLOOR), str(landing), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_floor_builds_the_figures_the_generator_expects(landing: Path) -> None:
    result = _floor(landing)

    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1])["wrong"] == []


def test_a_figure_the_floor_gets_wrong_fails_it_by_name(landing: Path, tmp_path: Path) -> None:
    expected = json.loads((landing / "_expected.json").read_text(encoding="utf-8"))
    day = expected["days"][0]
    net = expected["sales"]["net_amount_by_day"][day]
    expected["sales"]["net_amount_by_day"][day] = f"{Decimal(net) + Decimal('0.01'):.2f}"
    expected["streams"]["reviews"]["quarantined"]["out_of_range"] += 1
    tampered = tmp_path / "expected.json"
    tampered.write_text(json.dumps(expected), encoding="utf-8")

    result = _floor(landing, "--expected", str(tampered))

    assert result.returncode == 1
    assert f"sales.net_amount_by_day.{day}: {net}, expected" in result.stderr
    assert "streams.reviews.quarantined.out_of_range" in result.stderr
    assert len(json.loads(result.stdout.splitlines()[-1])["wrong"]) == 2
