"""The deterministic demo-data generator: a landing folder of retail files with planted defects.

``generate(landing_dir, GenerateOptions(...))`` writes customers, products and locations CSV files, one
sales CSV and one reviews JSON-lines file per day, and ``_expected.json``: the counts and amounts the
pipeline must arrive at. All rows are made by set-based DuckDB SQL from ``hash(seed, key, salt)``, so the
same options give the same bytes and 100M sales rows stream to disk in bounded memory. The planted
defects and their rates are listed in ``elt.generate._defects``. Keys are written in the types a stream
catalogue declares (``GenerateOptions.keys``, ``KeyFormats.of(catalog)``; see ``elt.generate._keys``).
"""

from elt.generate._defects import (
    MAX_DEFECTIVE_SHARE,
    REVIEW_DEFECT_BASE_RATES,
    REVIEW_QUARANTINE_REASONS,
    SALES_DEFECT_BASE_RATES,
    SALES_QUARANTINE_REASONS,
)
from elt.generate._expected import EXPECTED_FILE, held_days
from elt.generate._figures import expected_figures, mismatches, published_figures
from elt.generate._generator import generate
from elt.generate._keys import KeyFormats
from elt.generate._options import GenerateOptions, continuing

__all__ = [
    "EXPECTED_FILE",
    "MAX_DEFECTIVE_SHARE",
    "REVIEW_DEFECT_BASE_RATES",
    "REVIEW_QUARANTINE_REASONS",
    "SALES_DEFECT_BASE_RATES",
    "SALES_QUARANTINE_REASONS",
    "GenerateOptions",
    "KeyFormats",
    "continuing",
    "expected_figures",
    "generate",
    "held_days",
    "mismatches",
    "published_figures",
]
