"""The small, fixed value lists the generator draws from.

Kept apart from the SQL so the realism of the demo data can be changed without touching the
generation logic. Values bound for CSV files never contain a comma, a quote or a line break (the CSV
files are written unquoted); review titles and bodies go through ``to_json`` and deliberately contain
double quotes and non-ASCII letters so JSON escaping and UTF-8 are exercised.
"""

from __future__ import annotations

from typing import NamedTuple


class City(NamedTuple):
    """A place customers live and stores stand. Every city has its own state, so a move changes both."""

    name: str
    state: str
    country: str
    region: str
    tax_rate: str  # a DECIMAL literal: the sales tax charged by stores in this city


CITIES: tuple[City, ...] = (
    City("Springfield", "IL", "US", "Central", "0.0625"),
    City("Minneapolis", "MN", "US", "North", "0.0688"),
    City("Portland", "OR", "US", "West", "0.0000"),
    City("Seattle", "WA", "US", "West", "0.1010"),
    City("Austin", "TX", "US", "South", "0.0825"),
    City("Miami", "FL", "US", "South", "0.0700"),
    City("Boston", "MA", "US", "East", "0.0625"),
    City("Brooklyn", "NY", "US", "East", "0.0888"),
    City("Denver", "CO", "US", "Central", "0.0881"),
    City("Detroit", "MI", "US", "North", "0.0600"),
    City("Montréal", "QC", "CA", "North", "0.1498"),
    City("San José", "CA", "US", "West", "0.0938"),
)

FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mateo", "Zoë", "José", "Chloé", "Björn", "Amélie", "Renée", "Priya", "Wei",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez",
    "Lopez", "Núñez", "Müller", "Nguyen", "Kowalski", "Dubois", "Okafor", "Tanaka", "Larsen",
)  # fmt: skip


class Subcategory(NamedTuple):
    """A product line: its category and the whole-dollar price range its products are sold at."""

    category: str
    name: str
    min_price: int
    max_price: int


SUBCATEGORIES: tuple[Subcategory, ...] = (
    Subcategory("Apparel", "T-Shirts", 9, 35),
    Subcategory("Apparel", "Jackets", 49, 240),
    Subcategory("Footwear", "Running Shoes", 59, 180),
    Subcategory("Footwear", "Sandals", 19, 70),
    Subcategory("Home", "Cookware", 15, 160),
    Subcategory("Home", "Bedding", 25, 200),
    Subcategory("Electronics", "Headphones", 19, 350),
    Subcategory("Electronics", "Chargers", 9, 60),
    Subcategory("Grocery", "Coffee", 6, 30),
    Subcategory("Grocery", "Snacks", 2, 12),
    Subcategory("Beauty", "Skincare", 8, 90),
    Subcategory("Toys", "Puzzles", 7, 45),
)

BRANDS: tuple[str, ...] = (
    "Northwind", "Acme", "Bluebird", "Cedar & Co", "Everest", "Lumière", "Pioneer", "Sunday", "Tandem",
    "Vireo",
)  # fmt: skip

PRODUCT_ADJECTIVES: tuple[str, ...] = ("Classic", "Essential", "Pro", "Lite", "Deluxe", "Everyday", "Eco")

PRICE_CENTS: tuple[str, ...] = ("0.99", "0.49", "0.00", "0.95", "0.50")

STORE_SUFFIXES: tuple[str, ...] = ("Downtown", "Mall", "Outlet", "Riverside", "Airport", "Central")

REVIEW_TAGS: tuple[str, ...] = (
    "value", "quality", "fit", "delivery", "packaging", "gift", "durable", "comfort",
)  # fmt: skip

REVIEW_TITLES: tuple[str, ...] = (
    "Great value",
    'Exactly as "advertised"',
    "Would buy again",
    "Not worth it",
    "Très bien",
    "Zoë loved it",
    'The "premium" version is worse',
    "Solid, does the job",
    "Disappointed",
    "Five stars — fast delivery",
)

REVIEW_OPENINGS: tuple[str, ...] = (
    "Bought this for my partner.",
    "Second one I've ordered.",
    'The box said "eco" but it came in plastic.',
    "Arrived a day early.",
    "Qualité correcte pour le prix.",
    "Used it every day for a month.",
)

REVIEW_VERDICTS: tuple[str, ...] = (
    "Recommended.",
    "Would not buy again, sadly.",
    'My verdict: "meh".',
    "Five stars from me — naïve as that may be.",
    "Fits well, feels sturdy.",
    "Returned it.",
)
