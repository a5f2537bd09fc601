"""Password rules: no password built from the school's name or the person's own names."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

# Words every school name shares: they say nothing about which school it is.
_COMMON = {
    "the", "and", "of", "st", "saint", "school", "primary", "junior", "infant", "infants",
    "academy", "church", "england", "ce", "rc", "catholic", "community", "nursery", "first",
    "middle", "secondary", "high", "college", "trust", "federation", "learning", "c", "e",
}  # fmt: skip
# Digits people use for letters ("0akfield", "5t", "h34d").
_LEET = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower().translate(_LEET))


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


class NotBuiltFromNamesValidator:
    """Refuse a password that contains the school's, the trust's or the user's own names."""

    min_word = 4

    def _names(self, user: Any) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if user is None:
            return found
        for attr, what in (("username", "username"), ("first_name", "name"), ("last_name", "name")):
            for word in _words(str(getattr(user, attr, "") or "")):
                found.append((_letters(word), what))
        owners = [
            (getattr(user, "school", None), "school"),
            (getattr(user, "trust", None), "trust"),
        ]
        for owner, what in owners:
            name = str(getattr(owner, "name", "") or "")
            distinctive = [w for w in _words(name) if w not in _COMMON]
            found.extend((_letters(w), f"{what}'s name") for w in distinctive)
            if distinctive:
                found.append((_letters("".join(distinctive)), f"{what}'s name"))
        return [(n, what) for n, what in found if len(n) >= self.min_word]

    def validate(self, password: str, user: Any = None) -> None:
        plain = _letters(password)
        for name, what in self._names(user):
            if name in plain:
                raise ValidationError(
                    f"This password is built from your {what}, which others can guess. "
                    "Choose words that have nothing to do with you or the school.",
                    code="password_from_names",
                )

    def get_help_text(self) -> str:
        return "Your password cannot contain your name, your username or the school's name."
