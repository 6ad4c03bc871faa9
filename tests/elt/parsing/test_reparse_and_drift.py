import datetime as dt
import json

from elt.parsing import DuckDBParser
from tasks import parse as parse_task

DOC = {
    "review_id": 1,
    "product_id": 2,
    "customer_id": 3,
    "created_at": "2026-01-01T10:00:00Z",
    "rating": {"overall": 4},
    "tags": ["gift"],
}


def _tables(warehouse) -> dict[str, list[tuple]]:
    with warehouse.connect(read_only=True) as con:
        return {
            t: sorted(con.execute(f"select * exclude (_airbyte_raw_id) from parsed.{t}").fetchall(), key=repr)
            for t in ("reviews", "review_tags", "reviews_quarantine")
        }


def test_reparse_replaces_the_output_of_a_changed_contract_idempotently(warehouse, contract, land) -> None:
    land([json.dumps(DOC), json.dumps({**DOC, "review_id": 2, "sentiment": 1})])
    land([json.dumps({**DOC, "review_id": 3, "sentiment": 1})], extracted_at="2026-01-05 00:00:00+00")
    parser = DuckDBParser(warehouse)
    assert parser.parse(contract).quarantined == 2
    reporting = contract.model_copy(update={"undeclared_keys": "report"})

    later = parser.reparse(reporting, dt.datetime(2026, 1, 3, tzinfo=dt.UTC))
    assert (later.documents, later.parsed) == (1, 1)
    everything = parser.reparse(reporting)
    once = _tables(warehouse)
    parser.reparse(reporting)

    assert (everything.documents, everything.parsed, everything.quarantined) == (3, 3, 0)
    assert _tables(warehouse) == once
    assert [row[0] for row in once["reviews"]] == [1, 2, 3]
    assert len(once["review_tags"]) == 3
    assert parser.parse(reporting).documents == 0


def test_changed_types_and_new_array_shapes_are_reported_as_drift(warehouse, contract, land, monkeypatch) -> None:
    land([json.dumps({**DOC, "review_id": "R1"}), json.dumps({**DOC, "tags": {"a": 1}}), json.dumps(DOC)])
    result = DuckDBParser(warehouse).parse(contract)
    events, artifacts = [], []
    monkeypatch.setattr(parse_task, "emit_event", lambda event, **kw: events.append((event, kw["payload"])))
    monkeypatch.setattr(parse_task, "create_markdown_artifact", lambda **kw: artifacts.append(kw["markdown"]))

    parse_task.report_drift(result)
    parse_task.report_drift(DuckDBParser(warehouse).parse(contract))  # nothing new: no drift, no event

    assert result.type_changes == {
        "$.review_id must be bigint (a JSON integer), got VARCHAR": 1,
        "$.tags must be an array": 1,
    }
    assert events == [
        ("elt.schema.drift", {"stream": "reviews", "undeclared_keys": {}, "type_changes": result.type_changes})
    ]
    assert "$.tags must be an array" in artifacts[0]
