import json
import typing
from pathlib import Path

import pytest
from review_defects import DEFECTS, VALID, with_

from elt.parsing import DuckDBParser, load_contract
from elt.parsing._contract import JSON_KINDS, ColumnType


def test_every_document_is_parsed_or_quarantined_with_the_first_rule_it_breaks(warehouse, contract, land) -> None:
    land([doc for doc, _ in DEFECTS.values()])

    result = DuckDBParser(warehouse).parse(contract)

    with warehouse.connect(read_only=True) as con:
        reasons = dict(con.execute("select _ab_source_file_line, reason from parsed.reviews_quarantine").fetchall())
        details = [d for (d,) in con.execute("select detail from parsed.reviews_quarantine").fetchall()]
    got = {name: reasons.get(line) for line, name in enumerate(DEFECTS, start=1)}
    assert got == {name: reason for name, (_, reason) in DEFECTS.items()}
    assert result.documents == len(DEFECTS) == result.parsed + result.quarantined
    assert result.undeclared_keys == {"sentiment": 1, "rating.stars": 1, "helpful_votes[].weight": 1, "extra": 1}
    assert "required field $.review_id is missing or null" in details
    assert "$.rating.overall = 9 is outside [1, 5]" in details
    assert {
        "$.title must be varchar (a JSON string), got OBJECT",
        "$.title must be varchar (a JSON string), got UBIGINT",
        "$.rating.overall must be integer (a JSON integer), got DOUBLE",
        "elements of $.tags must be varchar (a JSON string)",
        "duplicate key $.rating.overall (a key may appear once in an object)",
        "duplicate key $.helpful_votes[0].user_id (a key may appear once in an object)",
        "duplicate key $.extra.a (a key may appear once in an object)",
    } <= set(details)


def test_a_repeated_key_quarantines_the_document_whatever_the_undeclared_key_policy(warehouse, contract, land) -> None:
    """DuckDB keeps one of the values of a repeated key; Snowflake's PARSE_JSON refuses the document. Neither is a
    parse: the document is quarantined whole, even where only an undeclared object repeats a key."""
    land([DEFECTS[name][0] for name in DEFECTS if DEFECTS[name][1] == "duplicate_key"])
    reporting = contract.model_copy(update={"undeclared_keys": "report"})

    result = DuckDBParser(warehouse).parse(reporting)

    assert (result.parsed, result.quarantined_by_reason) == (0, {"duplicate_key": 4})


def test_arrays_become_child_tables_keyed_by_parent_and_position(warehouse, contract, land) -> None:
    land([json.dumps(VALID), with_(review_id=2, tags=[], helpful_votes=...)])

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
    land([with_(review_id=2)], extracted_at="2026-01-02 00:00:00+00")
    later = parser.parse(contract)

    assert (first.documents, again.documents, later.documents) == (1, 0, 1)
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select count(*) from parsed.reviews").fetchone() == (2,)


def test_report_policy_keeps_documents_with_undeclared_keys_and_reports_them(warehouse, contract, land) -> None:
    reporting = contract.model_copy(update={"undeclared_keys": "report"})
    land([with_(sentiment=0.5)])

    result = DuckDBParser(warehouse).parse(reporting)

    assert (result.parsed, result.quarantined, result.undeclared_keys) == (1, 0, {"sentiment": 1})


def test_every_declared_type_says_which_json_values_it_is_read_from() -> None:
    assert set(JSON_KINDS) == set(typing.get_args(ColumnType))


def test_a_contract_needs_its_parent_key_among_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("stream: s\ntable: s\ncolumns:\n  - {name: id, path: id, type: bigint}\nparent_key: [id]\n")
    with pytest.raises(ValueError, match=r"(?s)c\.yml.*must be required"):
        load_contract(path)


def test_quarantine_keeps_each_records_batch_and_every_batch_reconciles(warehouse, contract, land) -> None:
    documents = [doc for doc, _ in DEFECTS.values()]
    land(documents, batch=7)
    land(documents[::-1], extracted_at="2026-01-02 00:00:00+00", batch=8)

    DuckDBParser(warehouse).parse(contract)

    with warehouse.connect(read_only=True) as con:
        per_batch = con.execute(
            "select batch, count(*), (select count(*) from parsed.reviews p where p.batch_id = batch),"
            " (select count(*) from parsed.reviews_quarantine q where q.batch_id = batch)"
            " from (select (_airbyte_meta->>'sync_id')::bigint as batch from raw.reviews) group by batch order by 1"
        ).fetchall()
        mismatched = con.execute(
            "select count(*) from parsed.reviews_quarantine q join raw.reviews r using (_airbyte_raw_id)"
            " where q.document is distinct from r._airbyte_data or q.batch_id <> (r._airbyte_meta->>'sync_id')::bigint"
            " or q._ab_source_file_line <> r._ab_source_file_line or q.reason is null or q.detail is null"
        ).fetchone()
    quarantined = sum(reason is not None for _, reason in DEFECTS.values())
    assert per_batch == [(b, len(DEFECTS), len(DEFECTS) - quarantined, quarantined) for b in (7, 8)]
    assert mismatched == (0,)
