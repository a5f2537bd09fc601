"""Stored XSS: every text a user can set, made hostile, on every page, escaped everywhere."""

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from tests.factories import World
from tests.permissions.matrix import ROLES, load_cases
from trackwell.core.append_only import allow_erasure

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("tw")</script><img src=x onerror=alert(1)>'
RAW = ("<script>alert(", "<img src=x onerror")
# Identifiers and formats, not prose: they are validated elsewhere and used in URLs.
NOT_PROSE = {
    "slug", "key", "code", "colour", "text_colour", "upn", "username", "password", "email",
    "identifier", "phase", "sha256", "kind", "object_type", "object_id", "action", "field",
    "old_value", "new_value", "token", "key_hash", "prefix", "urn", "la_code",
    "establishment_number", "session_key", "session_data", "name_hash",
}  # fmt: skip


def _prose_fields(model: type[models.Model]) -> list[str]:
    names = []
    for f in model._meta.concrete_fields:
        if (
            isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and f.editable
            and f.name not in NOT_PROSE
            and not isinstance(f, models.SlugField)
            and (f.max_length or 1000) >= 20
        ):
            names.append(f.name)
    return names


def _poison() -> int:
    """Every prose field of every Trackwell row set to the payload (kept unique by id)."""
    changed = 0
    for model in apps.get_models():
        if not model.__module__.startswith("trackwell."):
            continue
        fields = _prose_fields(model)
        if not fields:
            continue
        for obj in model._default_manager.all():
            for name in fields:
                limit = getattr(model._meta.get_field(name), "max_length", None) or 10_000
                setattr(
                    obj,
                    name,
                    f"{PAYLOAD} {obj.pk}"[-limit:] if limit < 70 else f"{PAYLOAD} {obj.pk}",
                )
            model._default_manager.filter(pk=obj.pk).update(**{n: getattr(obj, n) for n in fields})
            changed += 1
    return changed


def test_every_page_escapes_every_text_users_set(world: World) -> None:
    entries, origin = load_cases()
    pages = []
    for name, entry in sorted(entries.items()):
        for role in ROLES:
            if role != "anonymous" and entry.get.status(role) == 200:
                pages.append((name, role, reverse(name, kwargs=entry.kwargs(world)), entry))
                break
    world.school.name = PAYLOAD
    world.school.save()
    for user in world.users.values():
        user.first_name, user.last_name = PAYLOAD, PAYLOAD
        user.save()
    # Judgement history is append-only in the database; this hostile set-up is the one
    # rewrite of it a test may make.
    with allow_erasure():
        assert _poison() > 20
    clients: dict[str, Client] = {}
    leaks = []
    shown = 0
    for name, role, url, entry in pages:
        if role not in clients:
            clients[role] = Client()
            signed_in = ROLES[role](world)
            assert signed_in is not None
            clients[role].force_login(signed_in)
        response = clients[role].get(url, entry.data(world))
        raw = (
            b"".join(getattr(response, "streaming_content"))  # noqa: B009 (a file download)
            if getattr(response, "streaming", False)
            else response.content
        )
        body = raw.decode(errors="replace")
        if response.status_code >= 500:
            leaks.append(f"{origin[name]} {name} as {role}: {response.status_code}")
        # Downloads (CSV, JSON) carry the text as data, not as a page a browser runs.
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        if any(raw in body for raw in RAW):
            leaks.append(f"{origin[name]} {name} as {role}: the payload is not escaped")
        if "&lt;script&gt;alert(" in body:
            shown += 1
    assert not leaks, "\n".join(leaks)
    assert shown > len(pages) // 2  # the hostile text really was on the pages, escaped
