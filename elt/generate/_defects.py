"""The defects planted in the demo data, their base rates, and how ``defect_rate`` scales them.

Base rates (share of the lines of one day file; multiplied by ``GenerateOptions.defect_rate``):

sales (``sales/sales_YYYY-MM-DD.csv``)
    null_customer_id       0.5 %  customer_id field empty
    unknown_product_id     0.3 %  product_id >= 900000 (never a real product; as a string PRD-900000 and up)
    non_positive_quantity  0.2 %  quantity -1..-5
    malformed_line         0.1 %  5th..9th fields missing, or one extra trailing field (no quotes)
    duplicate              0.5 %  an exact copy of an earlier clean line of the same file (not a defect:
                                  deduplication removes it)
reviews (``reviews/reviews_YYYY-MM-DD.jsonl``)
    invalid_json           0.5 %  the document truncated
    missing_required       0.3 %  no ``review_id`` key
    out_of_range           0.3 %  ``rating.overall`` is 0 or 6..9
    wrong_type             0.3 %  ``tags`` is a string, not an array
    undeclared_key         0.3 %  an extra top-level ``sentiment`` number

None of them relies on a key's type (``_keys``): a line is malformed by its field count, a customer id is null
as an empty field, and an unknown product id is a product id rendered like the others that no product has.

Each line carries at most one of them. When the scaled rates of a stream add up to more than
``MAX_DEFECTIVE_SHARE`` they are all scaled down in proportion, so most lines stay clean whatever
``defect_rate`` asks for. ``defect_rate=0`` gives clean data without duplicates.

Customer address changes (about 2 % of customers get a second version) are not defects: they are part
of the dimension, which must not depend on ``defect_rate`` (see ``_dimensions``).
"""

from __future__ import annotations

from dataclasses import dataclass

# Shares are held in parts per million so each line's draw is an exact integer comparison.
PPM = 1_000_000

SALES_DEFECT_BASE_RATES: dict[str, float] = {
    "null_customer_id": 0.005,
    "unknown_product_id": 0.003,
    "non_positive_quantity": 0.002,
    "malformed_line": 0.001,
    "duplicate": 0.005,
}
REVIEW_DEFECT_BASE_RATES: dict[str, float] = {
    "invalid_json": 0.005,
    "missing_required": 0.003,
    "out_of_range": 0.003,
    "wrong_type": 0.003,
    "undeclared_key": 0.003,
}
MAX_DEFECTIVE_SHARE = 0.5

SALES_QUARANTINE_REASONS: tuple[str, ...] = (
    "null_customer_id",
    "unknown_product_id",
    "non_positive_quantity",
    "malformed_line",
)
REVIEW_QUARANTINE_REASONS: tuple[str, ...] = tuple(REVIEW_DEFECT_BASE_RATES)


@dataclass(frozen=True)
class DefectBands:
    """Consecutive ppm bands of a line's draw (0 <= draw < PPM), one per defect kind, in order.

    A line whose draw falls below ``upper[kind]`` and at or above the previous kind's bound has that
    kind; a draw at or above ``clean_from`` means a clean line.
    """

    upper: dict[str, int]

    @property
    def clean_from(self) -> int:
        return max(self.upper.values(), default=0)

    def case_sql(self, draw: str) -> str:
        """A SQL CASE naming the kind of a line from its draw (an expression in 0..PPM-1)."""
        whens = " ".join(f"WHEN {draw} < {bound} THEN '{kind}'" for kind, bound in self.upper.items())
        return f"CASE {whens} ELSE 'clean' END" if whens else "'clean'"


def scaled_bands(base_rates: dict[str, float], defect_rate: float) -> DefectBands:
    """Scale the base rates by ``defect_rate``, cap their sum at ``MAX_DEFECTIVE_SHARE``, stack them."""
    if defect_rate < 0:
        raise ValueError(f"defect_rate must be >= 0, got {defect_rate}")
    rates = {kind: rate * defect_rate for kind, rate in base_rates.items()}
    total = sum(rates.values())
    if total > MAX_DEFECTIVE_SHARE:
        rates = {kind: rate * MAX_DEFECTIVE_SHARE / total for kind, rate in rates.items()}
    upper: dict[str, int] = {}
    bound = 0
    for kind, rate in rates.items():
        bound += round(rate * PPM)
        upper[kind] = bound
    return DefectBands(upper)
