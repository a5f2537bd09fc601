"""Limits on uploaded documents, checked before parsing, each answered with a message.

JSON is measured (size, then nesting depth by a scan of the text) before `json.loads`
runs, so a deeply nested or huge document is refused with a reason instead of using up
the stack or the memory of the server; after parsing, the number of values and the
length of each string are bounded too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JsonLimits:
    """How big, how deep and how long a JSON document may be."""

    max_bytes: int
    max_depth: int
    max_values: int
    max_string: int


class LimitExceeded(ValueError):
    """A document is over one of its limits; the message says which, for the user."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of [ and { in JSON text, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _check_values(value: Any, limits: JsonLimits) -> None:
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > limits.max_values:
            raise LimitExceeded(f"The document holds more than {limits.max_values} values.")
        if isinstance(item, str) and len(item) > limits.max_string:
            raise LimitExceeded(
                f"The document holds a text of {len(item)} characters; "
                f"at most {limits.max_string} are allowed."
            )
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def load_json(raw: bytes | str, limits: JsonLimits) -> Any:
    """Parse JSON within the limits; LimitExceeded or ValueError (not JSON) otherwise."""
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > limits.max_bytes:
        raise LimitExceeded(
            f"The document is {size:,} bytes; at most {limits.max_bytes:,} are allowed."
        )
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    depth = nesting_depth(text)
    if depth > limits.max_depth:
        raise LimitExceeded(
            f"The document is nested {depth} levels deep; at most {limits.max_depth} are allowed."
        )
    value = json.loads(text)
    _check_values(value, limits)
    return value


def too_long(model: type[Any], field: str, value: str, what: str) -> str | None:
    """A message when ``value`` will not fit ``model.field``, else None.

    SQLite keeps an over-long value; PostgreSQL refuses it with an error.

    Services check text they are given against the column before saving, so that a
    long value is answered with a message naming the field rather than a database error.
    """
    limit = model._meta.get_field(field).max_length
    if limit is not None and len(value) > limit:
        return f"{what} is too long: at most {limit} characters."
    return None
