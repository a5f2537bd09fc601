"""Version-checked edits of shared state: one helper for every form that changes a row.

A versioned row carries ``version``, raised by one on every save. A form
sends back the version the user saw; ``locked_for_edit`` locks the row in the
caller's transaction and raises ``EditConflict`` if the row moved on, naming
each field where what the user typed differs from what is saved now, so the
page can show both values. Nothing is ever overwritten silently.

Usage in a service::

    with transaction.atomic():
        obj = locked_for_edit(BandSet.objects.filter(school=school), pk, expected,
                              yours={"name": name}, labels={"name": "Name"})
        obj.name = name
        save_versioned(obj, ["name"])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.db.models import F, QuerySet

M = TypeVar("M", bound=models.Model)


class Versioned(models.Model):
    """Abstract base: a row whose edits are version-checked."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


@dataclass(frozen=True)
class FieldDifference:
    """One field where the user's value and the saved value differ."""

    field: str
    label: str
    yours: Any
    theirs: Any


class EditConflict(Exception):
    """The row changed since the user loaded it; carries both values for every field."""

    def __init__(
        self,
        *,
        what: str,
        expected_version: int,
        current_version: int,
        differences: Sequence[FieldDifference] = (),
        changed_by: str = "",
        changed_at: dt.datetime | None = None,
    ) -> None:
        self.what = what
        self.expected_version = expected_version
        self.current_version = current_version
        self.differences = list(differences)
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(self.message)

    @property
    def message(self) -> str:
        who = f" by {self.changed_by}" if self.changed_by else ""
        return (
            f"{self.what} was changed{who} since you opened it. Nothing of yours was saved: "
            "compare your values with the saved ones and save again."
        )

    def as_dict(self) -> dict[str, Any]:
        """The conflict as JSON for scripts and the API (HTTP 409)."""
        return {
            "error": "conflict",
            "message": self.message,
            "expected_version": self.expected_version,
            "current_version": self.current_version,
            "changed_by": self.changed_by,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "fields": [
                {"field": d.field, "label": d.label, "yours": d.yours, "theirs": d.theirs}
                for d in self.differences
            ],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    return value


def differences(
    obj: models.Model, yours: Mapping[str, Any], labels: Mapping[str, str] | None = None
) -> list[FieldDifference]:
    """Fields of `yours` whose value differs from the one saved on `obj`."""
    labels = labels or {}
    result = []
    for name, value in yours.items():
        theirs = getattr(obj, name, None)
        if _plain(theirs) != _plain(value):
            result.append(
                FieldDifference(
                    field=name,
                    label=labels.get(name, name.replace("_", " ").capitalize()),
                    yours=_plain(value),
                    theirs=_plain(theirs),
                )
            )
    return result


def check_version(
    obj: models.Model,
    expected_version: int | None,
    *,
    yours: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    what: str | None = None,
    changed_by: str = "",
    changed_at: dt.datetime | None = None,
) -> None:
    """Raise EditConflict unless `obj.version` is the version the user saw.

    A missing version (None) is refused too: an edit of shared state must say
    what it saw.
    """
    current = int(getattr(obj, "version", 0))
    if expected_version is not None and int(expected_version) == current:
        return
    raise EditConflict(
        what=what or str(obj._meta.verbose_name).capitalize(),
        expected_version=-1 if expected_version is None else int(expected_version),
        current_version=current,
        differences=differences(obj, yours or {}, labels),
        changed_by=changed_by,
        changed_at=changed_at,
    )


def locked_for_edit(
    queryset: QuerySet[M],
    pk: Any,
    expected_version: int | None,
    *,
    yours: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    what: str | None = None,
) -> M:
    """Lock the row (inside the caller's transaction) and check its version.

    Raises the queryset's DoesNotExist for a row outside it (callers scope the
    queryset through the access layer, so that is a 404), and EditConflict when
    the version moved on.
    """
    obj = queryset.select_for_update().get(pk=pk)
    check_version(obj, expected_version, yours=yours, labels=labels, what=what)
    return obj


def save_versioned(obj: models.Model, update_fields: Sequence[str] | None = None) -> None:
    """Save with the version raised by one (in SQL, so two saves never share a version)."""
    fields = None if update_fields is None else [*update_fields, "version"]
    obj.version = F("version") + 1  # type: ignore[attr-defined]
    obj.save(update_fields=fields)
    obj.refresh_from_db(fields=["version"])


def parse_version(raw: Any) -> int | None:
    """A submitted version field as an int, or None when missing or malformed."""
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return None
    return value if 0 <= value < 2**31 else None
