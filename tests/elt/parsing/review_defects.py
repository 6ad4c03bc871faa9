"""The shared fixture: review documents holding every defect class, each with the reason it must be quarantined for.

Both compilers parse these same lines (tests/elt/parsing/test_duckdb_parser.py, test_snowpark_parser.py).
"""

import json

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


def with_(**changes: object) -> str:
    """VALID with some keys changed; ``...`` removes a key."""
    doc = {**VALID, **changes}
    return json.dumps({k: v for k, v in doc.items() if v is not ...})


def repeating(text: str, again: str) -> str:
    """VALID's JSON text with ``again`` written right after ``text``: a document that repeats a key."""
    document = json.dumps(VALID)
    assert text in document
    return document.replace(text, text + ", " + again, 1)


# name -> (document, reason it is quarantined for, None when it parses)
DEFECTS: dict[str, tuple[str, str | None]] = {
    "valid": (json.dumps(VALID), None),
    "valid, optional keys absent": (
        with_(review_id=2, title=..., tags=..., helpful_votes=[], rating={"overall": 1}),
        None,
    ),
    "valid, optional key null": (with_(review_id=3, body=None, tags=[]), None),
    "truncated": ('{"review_id": 1, "rating": {', "invalid_json"),
    "array document": ("[1, 2]", "invalid_json"),
    "scalar document": ("42", "invalid_json"),
    "no review_id": (with_(review_id=...), "missing_required"),
    "null rating.overall": (with_(rating={"overall": None}), "missing_required"),
    "vote without user": (with_(helpful_votes=[{"vote": "up"}]), "missing_required"),
    "rating is a number": (with_(rating=5), "wrong_type"),
    "review_id is text": (with_(review_id="R1"), "wrong_type"),
    "created_at is not a time": (with_(created_at="yesterday"), "wrong_type"),
    "tags is a string": (with_(tags="great"), "wrong_type"),
    "votes hold a number": (with_(helpful_votes=[7]), "wrong_type"),
    "vote user is text": (with_(helpful_votes=[{"user_id": "u9", "vote": "up"}]), "wrong_type"),
    "title is an object": (with_(title={"x": 1}), "wrong_type"),
    "title is a number": (with_(title=42), "wrong_type"),
    "review_id is numeric text": (with_(review_id="7"), "wrong_type"),
    "overall is an object": (with_(rating={"overall": {"stars": 5}}), "wrong_type"),
    "overall is true": (with_(rating={"overall": True}), "wrong_type"),
    "overall is 4.7": (with_(rating={"overall": 4.7}), "wrong_type"),
    "verified_purchase is 1": (with_(verified_purchase=1), "wrong_type"),
    "a tag is an object": (with_(tags=["gift", {"x": 1}]), "wrong_type"),
    "a vote is an array": (with_(helpful_votes=[{"user_id": 1, "vote": ["up"]}]), "wrong_type"),
    "overall 9": (with_(rating={"overall": 9}), "out_of_range"),
    "overall 0": (with_(rating={"overall": 0}), "out_of_range"),
    "sideways vote": (with_(helpful_votes=[{"user_id": 1, "vote": "sideways"}]), "not_accepted"),
    "overall twice, the second out of range": (repeating('"overall": 5', '"overall": 9'), "duplicate_key"),
    "review_id twice": (repeating('"review_id": 1', '"review_id": 2'), "duplicate_key"),
    "a vote's user twice": (repeating('"user_id": 9', '"user_id": 10'), "duplicate_key"),
    "an undeclared object repeats a key": (repeating('"body": "fine"', '"extra": {"a": 1, "a": 2}'), "duplicate_key"),
    "extra key": (with_(sentiment=0.7), "undeclared_key"),
    "extra nested key": (with_(rating={"overall": 4, "stars": 4}), "undeclared_key"),
    "extra key in a vote": (with_(helpful_votes=[{"user_id": 1, "vote": "up", "weight": 2}]), "undeclared_key"),
}
