"""A stream the project has never seen needs nothing but its contract: nested objects, arrays, data keys."""

import json
from pathlib import Path

import pytest

from elt.parsing import DuckDBParser, ParsingContract, load_contract

ORDERS_CONTRACT = """
stream: orders
table: orders
undeclared_keys: report
columns:
  - {name: order_id, path: order_id, type: bigint, required: true}
  - {name: customer_id, path: customer.id, type: bigint, required: true}
  - {name: city, path: customer.address.city, type: varchar}
  - {name: placed_at, path: placed_at, type: timestamp, required: true}
  - {name: channel, path: channel, type: varchar, accepted_values: [web, store]}
arrays:
  - table: order_lines
    path: lines
    position_column: line_number
    columns:
      - {name: sku, path: sku, type: varchar, required: true}
      - {name: quantity, path: qty, type: integer, min: 1}
      - {name: unit_price, path: price.amount, type: double}
maps:
  - table: order_attributes
    path: attributes
    key_column: attribute
    value: {name: attribute_value, type: varchar}
parent_key: [order_id]
"""

ORDER = {
    "order_id": 10,
    "customer": {"id": 7, "address": {"city": "Oslo", "zip": "0150"}},
    "placed_at": "2026-03-01T12:00:00Z",
    "channel": "web",
    "lines": [{"sku": "A", "qty": 2, "price": {"amount": 9.5}}, {"sku": "B", "qty": 1}],
    "attributes": {"gift": "yes", "wrapping": "red"},
}


@pytest.fixture
def orders(tmp_path: Path, warehouse) -> ParsingContract:
    path = tmp_path / "orders.yml"
    path.write_text(ORDERS_CONTRACT)
    with warehouse.connect() as con:
        con.execute("create table raw.orders as select * from raw.reviews limit 0")
    return load_contract(path)


def test_a_new_document_shape_is_parsed_from_its_contract_alone(warehouse, orders, land) -> None:
    land(
        [
            json.dumps(ORDER),
            json.dumps({**ORDER, "order_id": 11, "lines": [{"sku": "C", "qty": 0}]}),
            json.dumps({**ORDER, "order_id": 12, "customer": {"address": {}}}),
            json.dumps({**ORDER, "order_id": 13, "attributes": ["gift"]}),
        ],
        stream="orders",
    )

    result = DuckDBParser(warehouse).parse(orders)

    assert (result.parsed, result.quarantined_by_reason) == (
        1,
        {"out_of_range": 1, "missing_required": 1, "wrong_type": 1},
    )
    assert result.undeclared_keys == {"customer.address.zip": 3}
    assert result.child_rows == {"order_lines": 2, "order_attributes": 2}
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select order_id, customer_id, city, channel from parsed.orders").fetchall() == [
            (10, 7, "Oslo", "web")
        ]
        assert con.execute("select * exclude (_airbyte_raw_id) from parsed.order_lines order by 2").fetchall() == [
            (10, 0, "A", 2, 9.5),
            (10, 1, "B", 1, None),
        ]
        assert con.execute(
            "select order_id, attribute, attribute_value from parsed.order_attributes order by 2"
        ).fetchall() == [(10, "gift", "yes"), (10, "wrapping", "red")]


def test_values_of_another_json_kind_and_repeated_keys_are_quarantined_at_every_level(warehouse, orders, land) -> None:
    line = json.dumps(ORDER["lines"][0])
    repeated_in_line = json.dumps(ORDER).replace(line, line.replace('"amount": 9.5', '"amount": 9.5, "amount": 1'), 1)
    land(
        [
            json.dumps({**ORDER, "attributes": {"gift": {"wrapped": True}}}),
            json.dumps({**ORDER, "lines": [{"sku": "A", "qty": 2.5}]}),
            json.dumps({**ORDER, "lines": [{"sku": "A", "qty": 1, "price": {"amount": "cheap"}}]}),
            json.dumps({**ORDER, "customer": {"id": 7, "address": {"city": ["Oslo"]}}}),
            repeated_in_line,
        ],
        stream="orders",
    )

    DuckDBParser(warehouse).parse(orders)

    with warehouse.connect(read_only=True) as con:
        quarantined = con.execute("select reason, detail from parsed.orders_quarantine order by _ab_source_file_line")
        assert quarantined.fetchall() == [
            ("wrong_type", "values of $.attributes must be varchar (a JSON string)"),
            ("wrong_type", "$.lines[].qty must be integer (a JSON integer)"),
            ("wrong_type", "$.lines[].price.amount must be double (a JSON number)"),
            ("wrong_type", "$.customer.address.city must be varchar (a JSON string), got ARRAY"),
            ("duplicate_key", "duplicate key $.lines[0].price.amount (a key may appear once in an object)"),
        ]
