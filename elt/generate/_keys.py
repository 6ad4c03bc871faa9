"""How the generator writes each key: in the type the stream catalogue declares for it.

Every key is drawn as an integer, because a record's key seeds its other draws; only the SQL that writes a file
renders it. A key the catalogue declares ``integer`` is written as that integer, byte for byte as it always was.
A key declared ``string`` is written as readable, stable, non-numeric text, as real sources carry them: a prefix
naming the stream and the integer zero-padded to a minimum width (``CUS-000017``, ``PRD-000004``, ``LOC-000002``,
``SAL-9497000000123``). Padding never cuts digits, so distinct integers stay distinct texts: the ids an
``unknown_product_id`` defect writes (>= 900000) still match no product, whichever type product ids have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elt.catalog import Catalog

CUSTOMER_ID = "customers.customer_id"
PRODUCT_ID = "products.product_id"
LOCATION_ID = "locations.location_id"
SALE_ID = "sales.sale_id"

# The catalogue field of each key the generator writes, and the DuckDB printf format of its string spelling.
STRING_FORMATS: dict[str, str] = {
    CUSTOMER_ID: "CUS-%06d",
    PRODUCT_ID: "PRD-%06d",
    LOCATION_ID: "LOC-%06d",
    SALE_ID: "SAL-%013d",
}
KEY_TYPES = ("integer", "string")


@dataclass(frozen=True)
class KeyFormats:
    """Which generated keys are strings; the others are integers. The default, all integers, is what the
    project's catalogue declares; ``KeyFormats.of(catalog)`` follows any other catalogue."""

    strings: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(self.strings - STRING_FORMATS.keys())
        if unknown:
            raise ValueError(f"no generated key {unknown}; the generator writes {sorted(STRING_FORMATS)}")

    @classmethod
    def of(cls, catalog: Catalog) -> KeyFormats:
        """The key types ``catalog`` declares; a type other than integer or string is refused, naming the key."""
        types = {key: _declared_type(catalog, key) for key in STRING_FORMATS}
        unsupported = {key: kind for key, kind in types.items() if kind not in KEY_TYPES}
        if unsupported:
            raise ValueError(f"the generator writes keys as {' or '.join(KEY_TYPES)}; the catalogue has {unsupported}")
        return cls(frozenset(key for key, kind in types.items() if kind == "string"))

    def sql(self, key: str, value: str) -> str:
        """SQL that writes ``value`` (an integer SQL expression) as the file spells ``key``; as is for an integer."""
        if key not in STRING_FORMATS:
            raise KeyError(f"no generated key {key!r}")
        return f"printf('{STRING_FORMATS[key]}', {value})" if key in self.strings else value


def _declared_type(catalog: Catalog, key: str) -> str:
    stream, name = key.split(".")
    return next(field.type for field in catalog.stream(stream).fields if field.name == name)
