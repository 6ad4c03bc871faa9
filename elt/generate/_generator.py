"""``generate``: write the demo landing folder for some days, and what the pipeline must make of it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from elt.generate._dimensions import build_dimensions, dimension_counts, write_dimensions
from elt.generate._expected import EXPECTED_FILE, expected_document, read_expected_days
from elt.generate._files import write_json
from elt.generate._options import GenerateOptions
from elt.generate._reviews import expected_reviews_day, write_reviews_day
from elt.generate._sales import expected_sales_day, write_sales_day
from elt.generate._session import open_session


def generate(landing_dir: Path, options: GenerateOptions) -> dict:
    """Write the dimension files and one sales and one reviews file per day into ``landing_dir``.

    Files of days outside ``options`` are kept; their entries in ``_expected.json`` too. Returns the
    ``_expected.json`` content, which covers the whole folder.
    """
    landing_dir = Path(landing_dir)
    landing_dir.mkdir(parents=True, exist_ok=True)
    dimensions = {"customers": options.customers, "products": options.products, "locations": options.locations}
    by_day = read_expected_days(landing_dir, options.seed, dimensions)
    with tempfile.TemporaryDirectory(prefix="elt-generate-") as temp_dir:
        con = open_session(options.seed, Path(temp_dir))
        try:
            build_dimensions(con, options)
            write_dimensions(con, landing_dir, options)
            dimension_figures = dimension_counts(con)
            for number, day in enumerate(options.dates):
                sales_rows, review_docs = options.sales_rows_on(number), options.reviews_on(number)
                write_sales_day(con, landing_dir, options, day, sales_rows)
                write_reviews_day(con, landing_dir, options, day, review_docs)
                sales_stream, sales = expected_sales_day(con, options, day, sales_rows)
                reviews_stream, reviews = expected_reviews_day(con, options, day, review_docs)
                by_day[day.isoformat()] = {
                    "defect_rate": options.defect_rate,
                    "streams": {"sales": sales_stream, "reviews": reviews_stream},
                    "sales": sales,
                    "reviews": reviews,
                }
        finally:
            con.close()
    document = expected_document(options.seed, dimensions, dimension_figures, by_day)
    write_json(document, landing_dir / EXPECTED_FILE)
    return document
