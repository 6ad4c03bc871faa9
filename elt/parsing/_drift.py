"""The drift report of one parse: what the documents hold that the contract does not expect."""

from __future__ import annotations

from typing import Any

from elt.parsing._result import ParseResult


def drift_payload(result: ParseResult) -> dict[str, Any]:
    """The ``elt.schema.drift`` event payload: the stream, and each drifting path with its document count."""
    return {"stream": result.stream, "undeclared_keys": result.undeclared_keys, "type_changes": result.type_changes}


def drift_markdown(result: ParseResult) -> str:
    lines = [f"# Schema drift in `{result.stream}`", "", "| kind | path / detail | documents |", "| --- | --- | ---: |"]
    lines += [f"| undeclared key | `{key}` | {n} |" for key, n in sorted(result.undeclared_keys.items())]
    lines += [f"| changed type or shape | {detail} | {n} |" for detail, n in sorted(result.type_changes.items())]
    return "\n".join(lines) + "\n"
