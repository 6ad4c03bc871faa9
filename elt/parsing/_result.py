"""What a parse reports, and what every engine's parser offers (the adapters pick one by profile)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from elt.parsing._contract import ParsingContract


@dataclass
class ParseResult:
    stream: str
    documents: int = 0
    parsed: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    undeclared_keys: dict[str, int] = field(default_factory=dict)
    # wrong_type details (changed scalar types, arrays or objects of a new shape) with their document counts
    type_changes: dict[str, int] = field(default_factory=dict)
    child_rows: dict[str, int] = field(default_factory=dict)

    @property
    def quarantined(self) -> int:
        return sum(self.quarantined_by_reason.values())

    @property
    def drift(self) -> bool:
        return bool(self.undeclared_keys or self.type_changes)


class Parser(Protocol):
    """Parses a stream's RAW documents not parsed yet; reparses replace its output (idempotent)."""

    def parse(self, contract: ParsingContract) -> ParseResult: ...

    def reparse(self, contract: ParsingContract, since: dt.datetime | None = None) -> ParseResult: ...
