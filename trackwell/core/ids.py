"""Ids from a query string or a form, checked before they reach a query.

`int()` refuses text of more than 4,300 digits with a ValueError, and a
database refuses a number outside its 64-bit range (SQLite with an
OverflowError, PostgreSQL with a DataError): both would be a 500. An id is
therefore read here, as ASCII digits within the range of a primary key, and
anything else is "no such id", which the view answers with a 404 (or a 400
for a form that cannot be read).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The largest value a BigAutoField (and SQLite's INTEGER) holds.
MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(raw: Any) -> int | None:
    """A positive id as an int, or None when missing, malformed or out of range."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 < raw <= MAX_ID else None
    text = str(raw).strip() if raw is not None else ""
    if not text or len(text) > _MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def parse_ids(values: Iterable[Any]) -> list[int] | None:
    """Every value as an id, or None when any of them is not one."""
    ids = []
    for raw in values:
        value = parse_id(raw)
        if value is None:
            return None
        ids.append(value)
    return ids
