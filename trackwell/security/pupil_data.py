"""Everything Trackwell holds about one pupil: for subject access, and for retention.

The export walks every table that points at the pupil (and the tables pointing at
those, e.g. a judgement's history), so a new app's data about pupils is in the export
without anyone remembering to add it. An app can give its data a readable section of
its own, and say how its free text is anonymised, with `register`:

    from trackwell.security.pupil_data import register

    register("provision.Participant", title="Interventions", export=my_rows,
             anonymise=my_anonymise)

`export(pupil)` returns a list of dicts (plain JSON values); `anonymise(pupil)` removes
what identifies the pupil from that app's rows. Without a hook, anonymising blanks every
free-text field (text fields and long character fields) of rows about the pupil.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import models
from django.utils import timezone

from trackwell.accounts.models import AuditEntry
from trackwell.pupils.models import Pupil

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Provider:
    """How one app's rows about a pupil are exported and anonymised."""

    label: str
    title: str
    export: Callable[[Pupil], Rows] | None = None
    anonymise: Callable[[Pupil], None] | None = None


PROVIDERS: dict[str, Provider] = {}


def register(
    label: str,
    *,
    title: str,
    export: Callable[[Pupil], Rows] | None = None,
    anonymise: Callable[[Pupil], None] | None = None,
) -> None:
    """Give the model `label` ("app.Model") a readable section and an anonymiser."""
    PROVIDERS[label] = Provider(label, title, export, anonymise)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _row(obj: models.Model) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if field.choices and value is not None:
            result[field.name] = getattr(obj, f"get_{field.name}_display")()
        else:
            result[field.name] = _plain(value)
    return result


@dataclass(frozen=True)
class Link:
    """A table holding rows about the pupil, and the filter that finds them."""

    model: type[models.Model]
    lookup: str  # e.g. "pupil" or "judgement__pupil"

    @property
    def label(self) -> str:
        return self.model._meta.label

    def rows(self, pupil: Pupil) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(**{self.lookup: pupil}).order_by("pk")


def _reverse_links(model: type[models.Model]) -> Iterator[tuple[type[models.Model], str]]:
    for field in model._meta.get_fields(include_hidden=True):
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one):
            related = field.related_model
            if isinstance(related, type) and issubclass(related, models.Model):
                yield related, field.field.name  # type: ignore[union-attr]


def links() -> list[Link]:
    """Every table that points at pupils, and every table pointing at one of those."""
    found: list[Link] = []
    for model, name in _reverse_links(Pupil):
        found.append(Link(model, name))
        for child, child_name in _reverse_links(model):
            if child is not Pupil:
                found.append(Link(child, f"{child_name}__{name}"))
    unique: dict[str, Link] = {}
    for link in found:
        unique.setdefault(f"{link.label}:{link.lookup}", link)
    return [unique[k] for k in sorted(unique)]


def export(pupil: Pupil) -> dict[str, Any]:
    """Everything held about the pupil, as plain JSON values, in titled sections."""
    sections = [
        {"key": "pupils.Pupil", "title": "Pupil record", "rows": [_row(pupil)]},
        {
            "key": "pupils.PupilGroup",
            "title": "School groups",
            "rows": [{"name": g.name, "description": g.description} for g in pupil.groups.all()],
        },
    ]
    for link in links():
        provider = PROVIDERS.get(link.label)
        if provider and provider.export:
            rows = provider.export(pupil)
        else:
            rows = [_row(obj) for obj in link.rows(pupil)]
        if rows:
            title = provider.title if provider else str(link.model._meta.verbose_name_plural)
            sections.append({"key": link.label, "title": title.capitalize(), "rows": rows})
    audit = AuditEntry.objects.filter(object_type=Pupil._meta.label, object_id=str(pupil.pk))
    sections.append(
        {
            "key": "accounts.AuditEntry",
            "title": "Changes to the pupil record (audit log)",
            "rows": [
                {"at": _plain(e.at), "action": e.action, "old": e.old, "new": e.new}
                for e in audit.order_by("at", "pk")
            ],
        }
    )
    return {
        "format": "trackwell-subject-access",
        "version": 1,
        "school": pupil.school.name,
        "generated_at": timezone.localtime().isoformat(),
        "pupil": {"id": pupil.pk, "name": pupil.full_name, "upn": pupil.upn},
        "sections": sections,
    }


def _free_text(field: models.Field[Any, Any]) -> bool:
    if isinstance(field, models.TextField):
        return True
    return (
        isinstance(field, models.CharField) and not field.choices and (field.max_length or 0) >= 200
    )


def anonymise_related(pupil: Pupil) -> None:
    """Blank the free text of every row about the pupil (apps' own hooks first)."""
    for link in links():
        provider = PROVIDERS.get(link.label)
        if provider and provider.anonymise:
            provider.anonymise(pupil)
            continue
        fields = [f for f in link.model._meta.concrete_fields if _free_text(f)]
        blank = {f.name: "" for f in fields if not f.null} | {
            f.name: None for f in fields if f.null
        }
        if blank:
            link.rows(pupil).update(**blank)
