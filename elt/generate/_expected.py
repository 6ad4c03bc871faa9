"""``_expected.json``: what the pipeline must find in the whole landing folder.

The generator aggregates each day it writes in DuckDB (see ``_sales`` and ``_reviews``) and keeps the
result per day under ``by_day``. A later call merges its days into the existing file (a day written again
replaces its entry) and the totals are re-added here from the per-day figures, in ``Decimal``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from elt.generate._defects import REVIEW_QUARANTINE_REASONS, SALES_QUARANTINE_REASONS

EXPECTED_FILE = "_expected.json"


def read_expected_days(landing_dir: Path, seed: int, dimensions: dict[str, int]) -> dict[str, dict]:
    """The per-day entries already in the folder; refuses a folder generated with another seed or sizes."""
    existing = _read(landing_dir)
    if existing and (existing.get("seed") != seed or existing.get("dimensions") != dimensions):
        raise ValueError(
            f"{landing_dir} holds data generated with seed {existing.get('seed')} and dimensions "
            f"{existing.get('dimensions')}; adding days with seed {seed} and {dimensions} would mix "
            "incompatible data: use an empty folder"
        )
    return existing.get("by_day", {})


def held_days(landing_dir: Path) -> dict[str, dict]:
    """The folder's per-day entries, unchecked: what a call that names no dates and sizes continues."""
    return _read(landing_dir).get("by_day", {})


def _read(landing_dir: Path) -> dict:
    path = landing_dir / EXPECTED_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def expected_document(seed: int, dimensions: dict[str, int], dimension_figures: dict, by_day: dict) -> dict:
    """The whole ``_expected.json``: totals over all days of the folder, then the per-day entries."""
    days = sorted(by_day)
    entries = [by_day[day] for day in days]
    return {
        "seed": seed,
        "dimensions": dimensions,
        "days": days,
        "streams": dimension_figures["streams"]
        | {
            "sales": _sum_streams([e["streams"]["sales"] for e in entries], SALES_QUARANTINE_REASONS),
            "reviews": _sum_streams([e["streams"]["reviews"] for e in entries], REVIEW_QUARANTINE_REASONS),
        },
        "sales": _sum_sales(days, [e["sales"] for e in entries]),
        "reviews": {
            key: sum(e["reviews"][key] for e in entries)
            for key in ("count", "tags", "helpful_votes", "rating_overall_sum")
        },
        "customers": dimension_figures["customers"],
        "by_day": {day: by_day[day] for day in days},
    }


def _sum_streams(streams: list[dict], reasons: tuple[str, ...]) -> dict:
    return {
        "landed": sum(s["landed"] for s in streams),
        "duplicates": sum(s["duplicates"] for s in streams),
        "valid": sum(s["valid"] for s in streams),
        "quarantined": {reason: sum(s["quarantined"].get(reason, 0) for s in streams) for reason in reasons},
    }


def _sum_sales(days: list[str], figures: list[dict]) -> dict:
    def total(key: str) -> str:
        return _amount(sum((Decimal(f[key]) for f in figures), Decimal(0)))

    def merged(key: str) -> dict[str, str]:
        sums: dict[str, Decimal] = {}
        for f in figures:
            for name, value in f[key].items():
                sums[name] = sums.get(name, Decimal(0)) + Decimal(value)
        return {name: _amount(value) for name, value in sorted(sums.items())}

    return {
        "count": sum(f["count"] for f in figures),
        "quantity": sum(f["quantity"] for f in figures),
        "gross_amount": total("gross_amount"),
        "discount_amount": total("discount_amount"),
        "tax_amount": total("tax_amount"),
        "net_amount": total("net_amount"),
        "net_amount_by_day": {day: f["net_amount"] for day, f in zip(days, figures, strict=True)},
        "net_amount_by_region": merged("net_amount_by_region"),
        "net_amount_by_category": merged("net_amount_by_category"),
        "net_amount_by_customer_city": merged("net_amount_by_customer_city"),
    }


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"
