"""What a caller may ask of the generator, and the day-level arithmetic derived from it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from elt.generate._keys import KeyFormats

# Ids of day-file records are (day - ID_EPOCH in days) * IDS_PER_DAY + position, so files of
# different days, written by different calls, never share an id.
ID_EPOCH = datetime.date(2000, 1, 1)
IDS_PER_DAY = 1_000_000_000
REVIEWS_PER_SALE = 0.05
MIN_REVIEWS_PER_DAY = 20
# The demo's week: 100,000 sales over 7 days. A day added later gets the same share, not 100,000 of its own.
DEMO_SALES_ROWS_PER_WEEK = 100_000


@dataclass(frozen=True)
class GenerateOptions:
    """Size, dates, seed and defect level of one generation.

    ``sales_rows`` counts the lines of all sales files written by this call (defective and duplicate
    lines included). The dimension sizes and the seed fix the dimension files: calls that share them
    write byte-identical dimension files, whatever their dates.

    ``keys`` says which keys are written as strings (see ``_keys``): the CLI takes it from the catalogue the
    pipeline reads, so a key's type is changed there alone; the default, integers, is the project's catalogue.

    ``late_customers`` plants late-arriving dimensions: the customers with the highest ids are left out of
    ``customers.csv`` until a call whose last day is ``late_customers_arrive`` or later, while sales name them
    from the first day. ``_expected.json`` describes the data once every customer has arrived.
    """

    seed: int = 42
    sales_rows: int = 100_000
    days: int = 7
    start_date: datetime.date = datetime.date(2026, 1, 1)
    defect_rate: float = 1.0
    customers: int = 2_000
    products: int = 300
    locations: int = 25
    late_customers: int = 0
    late_customers_arrive: datetime.date | None = None
    keys: KeyFormats = field(default_factory=KeyFormats)

    def __post_init__(self) -> None:
        if not -(2**63) <= self.seed < 2**63:
            raise ValueError("seed must fit in a signed 64-bit integer")
        if self.sales_rows < 0 or self.days < 1:
            raise ValueError("sales_rows must be >= 0 and days >= 1")
        if self.defect_rate < 0:
            raise ValueError("defect_rate must be >= 0")
        if min(self.customers, self.products, self.locations) < 1:
            raise ValueError("customers, products and locations must each be >= 1")
        if not 0 <= self.late_customers < self.customers:
            raise ValueError("late_customers must be >= 0 and below customers")
        if (self.late_customers > 0) != (self.late_customers_arrive is not None):
            raise ValueError("late_customers and late_customers_arrive go together")
        if self.start_date < ID_EPOCH:
            raise ValueError(f"start_date must not be before {ID_EPOCH}")
        if self.sales_rows_on(self.days - 1) >= IDS_PER_DAY:
            raise ValueError(f"at most {IDS_PER_DAY - 1} sales rows per day")

    @property
    def dates(self) -> list[datetime.date]:
        return [self.start_date + datetime.timedelta(days=n) for n in range(self.days)]

    def sales_rows_on(self, day_number: int) -> int:
        """Lines of the ``day_number``-th (0-based) sales file: an equal share, the remainder on the last."""
        share = self.sales_rows // self.days
        return share + (self.sales_rows % self.days if day_number == self.days - 1 else 0)

    def reviews_on(self, day_number: int) -> int:
        return max(MIN_REVIEWS_PER_DAY, round(self.sales_rows_on(day_number) * REVIEWS_PER_SALE))


def first_id_of(day: datetime.date) -> int:
    """The id before the first record of ``day``: ids of that day are this plus 1, 2, 3, ..."""
    return (day - ID_EPOCH).days * IDS_PER_DAY


def continuing(
    held: dict[str, dict],
    today: datetime.date,
    days: int,
    start_date: datetime.date | None = None,
    rows_per_day: int | None = None,
) -> tuple[datetime.date, int]:
    """First day and sales rows of a call, where it names them or not: by default it continues the folder.

    ``held`` is ``_expected.json``'s per-day entries. An empty folder gets the days that end yesterday (the
    gate's freshness then holds on a demo run) at the demo's weekly volume. A folder with days gets the day
    after its newest, at that day's volume, so that adding a day does not trip the gate's daily-volume check.
    """
    newest = max(held) if held else None
    if start_date is None:
        start_date = (
            datetime.date.fromisoformat(newest) + datetime.timedelta(days=1)
            if newest
            else today - datetime.timedelta(days=days)
        )
    if rows_per_day is not None:
        return start_date, rows_per_day * days
    if newest:
        return start_date, held[newest]["streams"]["sales"]["landed"] * days
    return start_date, round(DEMO_SALES_ROWS_PER_WEEK * days / 7)
