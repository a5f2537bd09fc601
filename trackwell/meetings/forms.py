"""Parsing of the meeting forms: dates, ids and choices, with clear messages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError


def parse_date(raw: Any, label: str) -> date:
    """A yyyy-mm-dd date from a form, or a ValidationError naming the field."""
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError as exc:
        raise ValidationError(f"{label}: give a date, for example 2026-12-14.") from exc


def parse_id(raw: Any) -> int | None:
    """A positive id from a form, or None when missing or malformed."""
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


def parse_int(raw: Any, label: str, low: int, high: int, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError as exc:
        raise ValidationError(f"{label}: give a whole number.") from exc
    if not low <= value <= high:
        raise ValidationError(f"{label}: between {low} and {high}.")
    return value


def text(raw: Any, limit: int) -> str:
    return str(raw or "")[:limit]
