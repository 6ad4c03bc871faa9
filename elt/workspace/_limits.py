"""The concurrency limit that serialises runs on one warehouse, whatever deployment or trigger started them."""

from __future__ import annotations

from elt.settings import Profile


def warehouse_limit(profile: Profile) -> str:
    """One limit per warehouse: DuckDB allows one writer, and two builds must not race to publish."""
    return f"elt-warehouse-{profile.value}"
