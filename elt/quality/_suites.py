"""Expectation suites as code, one per published table. Every expectation here is critical: it closes the gate."""

from __future__ import annotations

from collections.abc import Mapping

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation


def _unexpected(description: str, where: str) -> gxe.UnexpectedRowsExpectation:
    """Rows breaking a rule the generic expectations cannot say, as SQL run on the engine."""
    return gxe.UnexpectedRowsExpectation(
        description=description, unexpected_rows_query=f"select * from {{batch}} where {where}"
    )


def _keys(column: str) -> list[Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column=column, description=f"{column} is never null"),
        gxe.ExpectColumnValuesToBeUnique(column=column, description=f"{column} is unique"),
    ]


def _not_null(*columns: str) -> list[Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is never null") for c in columns]


def mart_suites(quarantine_rate_max: Mapping[str, float], default_rate_max: float) -> dict[str, list[Expectation]]:
    """The expectations per table of the audit build; quarantine thresholds come from settings."""
    rate_rules = [
        _unexpected(
            f"quarantine rate of {stream} is at most {limit:.2%}",
            f"stream = '{stream}' and quarantine_rate > {limit}",
        )
        for stream, limit in sorted(quarantine_rate_max.items())
    ]
    listed = ", ".join(f"'{s}'" for s in sorted(quarantine_rate_max)) or "''"
    rate_rules.append(
        _unexpected(
            f"quarantine rate of every other stream is at most {default_rate_max:.2%}",
            f"stream not in ({listed}) and quarantine_rate > {default_rate_max}",
        )
    )
    return {
        "rpt_reconciliation": [
            _unexpected("records landed = records in RAW", "landed <> in_raw"),
            _unexpected(
                "records in RAW = duplicates + valid + quarantined",
                "in_raw <> duplicates + valid + quarantined",
            ),
            *rate_rules,
        ],
        "fct_sales": [
            *_keys("sale_id"),
            *_not_null("customer_key", "product_key", "location_key", "date_key", "sold_at"),
            gxe.ExpectColumnValuesToBeBetween(column="quantity", min_value=1, description="quantity is above zero"),
            _unexpected(
                "net_amount = gross_amount - discount_amount + tax_amount",
                "net_amount <> gross_amount - discount_amount + tax_amount",
            ),
            _unexpected("gross_amount = quantity * unit_price", "gross_amount <> quantity * unit_price"),
        ],
        "dim_customer": [
            *_keys("customer_key"),
            _unexpected(
                "each customer has exactly one current version",
                "customer_id in (select customer_id from {batch} group by customer_id"
                " having count(*) filter (where is_current) <> 1)",
            ),
        ],
        "dim_product": [*_keys("product_key"), *_not_null("product_id", "category")],
        "dim_location": [*_keys("location_key"), *_not_null("location_id", "region")],
        "dim_date": _keys("date_key"),
        "fct_reviews": [
            *_keys("review_id"),
            *_not_null("product_key", "created_at"),
            gxe.ExpectColumnValuesToBeBetween(
                column="rating_overall",
                min_value=1,
                max_value=5,
                description="rating_overall is between 1 and 5",
            ),
        ],
        "mart_daily_revenue": _not_null("date_day", "region", "category", "net_amount"),
        "mart_product_ratings": _keys("product_key"),
    }
