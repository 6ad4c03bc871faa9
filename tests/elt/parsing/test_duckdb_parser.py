import json
from pathlib import Path

import pytest

from elt.parsing import DuckDBParser, load_contract

VALID = {
    "review_id": 1,
    "product_id": 2,
    "customer_id": 3,
    "created_at": "2026-01-01T10:00:00Z",
    "rating": {"overall": 5, "value": 4, "quality": 3},
    "title": 'Zoë says "yes"',
    "body": "fine",
    "verified_purchase": True,
    "tags": ["gift", "durable"],
    "helpful_votes": [{"user_id": 9, "vote": "up", "at": "2026-01-02T10:00:00Z"}],
}


def _with(**changes) -> str:
    doc = {**VALID, **changes}
    return json.dumps({k: v for k, v in doc.items() if v is not ...})


CASES = {
    "valid": (json.dumps(VALID), None),
    "truncated": ('{"review_id": 1, "rating": {', "invalid_json"),
    "array document": ("[1, 2]", "invalid_json"),
    "no review_id": (_with(review_id=...), "missing_required"),
    "null rating.overall": (_with(rating={"overall": None}), "missing_required"),
    "vote without user": (_with(helpful_votes=[{"vote": "up"}]), "missing_required"),
    "rating is a number": (_with(rating=5), "wrong_type"),
    "review_id is text": (_with(review_id="R1"), "wrong_type"),
    "tags is a string": (_with(tags="great"), "wrong_type"),
    "votes hold a number": (_with(helpful_votes=[7]), "wrong_type"),
    "overall 9": (_with(rating={"overall": 9}), "out_of_range"),
    "overall 0": (_with(rating={"overall": 0}), "out_of_range"),
    "sideways vote": (_with(helpful_votes=[{"user_id": 1, "vote": "sideways"}]), "not_accepted"),
    "extra key": (_with(sentiment=0.7), "undeclared_key"),
    "extra nested key": (_with(rating={"overall": 4, "stars": 4}), "undeclared_key"),
}


def test_every_document_is_parsed_or_quarantined_with_the_first_rule_it_breaks(warehouse, contract, land) -> None:
    land([doc for doc, _ in CASES.values()])

    result = DuckDBParser(warehouse).parse(contract)

    with warehouse.connect(read_only=True) as con:
        reasons = dict(con.execute("select _ab_source_file_line, reason from parsed.reviews_quarantine").fetchall())
        details = [d for (d,) in con.execute("select detail from parsed.reviews_quarantine").fetchall()]
    got = {name: reasons.get(line) for line, name in enumerate(CASES, start=1)}
    assert got == {name: reason for name, (_, reason) in CASES.items()}
    assert result.documents == len(CASES) == result.parsed + result.quarantined
    assert result.undeclared_keys == {"sentiment": 1, "rating.stars": 1}
    assert "required field $.review_id is missing or null" in details
    assert "$.rating.overall = 9 is outside [1, 5]" in details


def test_arrays_become_child_tables_keyed_by_parent_and_position(warehouse, contract, land) -> None:
    land([json.dumps(VALID), _with(review_id=2, tags=[], helpful_votes=...)])

    DuckDBParser(warehouse).parse(contract)

    with warehouse.connect(read_only=True) as con:
        assert con.execute("select review_id, title from parsed.reviews order by 1").fetchall() == [
            (1, 'Zoë says "yes"'),
            (2, 'Zoë says "yes"'),
        ]
        assert con.execute("select review_id, tag_position, tag from parsed.review_tags order by 2").fetchall() == [
            (1, 0, "gift"),
            (1, 1, "durable"),
        ]
        assert con.execute(
            "select review_id, vote_position, user_id, vote, strftime(voted_at, '%Y-%m-%d')"
            " from parsed.review_helpful_votes"
        ).fetchall() == [(1, 0, 9, "up", "2026-01-02")]


def test_only_documents_not_yet_parsed_are_processed(warehouse, contract, land) -> None:
    parser = DuckDBParser(warehouse)
    land([json.dumps(VALID)])
    first = parser.parse(contract)
    again = parser.parse(contract)
    land([_with(review_id=2)], extracted_at="2026-01-02 00:00:00+00")
    later = parser.parse(contract)

    assert (first.documents, again.documents, later.documents) == (1, 0, 1)
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select count(*) from parsed.reviews").fetchone() == (2,)


def test_report_policy_keeps_documents_with_undeclared_keys_and_reports_them(warehouse, contract, land) -> None:
    reporting = contract.model_copy(update={"undeclared_keys": "report"})
    land([_with(sentiment=0.5)])

    result = DuckDBParser(warehouse).parse(reporting)

    assert (result.parsed, result.quarantined, result.undeclared_keys) == (1, 0, {"sentiment": 1})


def test_a_contract_needs_its_parent_key_among_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("stream: s\ntable: s\ncolumns:\n  - {name: id, path: id, type: bigint}\nparent_key: [id]\n")
    with pytest.raises(ValueError, match=r"(?s)c\.yml.*must be required"):
        load_contract(path)
