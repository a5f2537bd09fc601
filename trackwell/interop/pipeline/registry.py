"""Kinds of import: the `ImportKind` API each kind implements, and the registry of kinds.

Part of the import pipeline (`trackwell.interop.pipeline` re-exports every public name).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError

from trackwell.core.models import School
from trackwell.interop.pipeline.plans import Parsed, Plan
from trackwell.interop.pipeline.reading import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from trackwell.accounts.models import User
    from trackwell.interop.mapping import MappingSpec


class ImportKind:
    """A kind of import. Subclass it, set the attributes, implement parse, plan and apply.

    - `parse` reads the file (bytes, or a `Table` for kinds with a `mapping`)
      into JSON-serialisable data; it never raises.
    - `plan` compares that data with the school's records; it never writes.
    - `apply` writes exactly the plan's changes; it runs inside the commit's
      transaction and may raise ValidationError to roll everything back.
    """

    slug: str = ""
    label: str = ""
    help: str = ""
    # Where the kind is listed on the imports page (lower first).
    order: int = 100
    # Spreadsheet kinds name their fields here; the pipeline then asks for a mapping step.
    mapping: MappingSpec | None = None
    limits: Limits = DEFAULT_LIMITS
    # Who may upload, preview and commit this kind (the access layer asks).
    manage: Callable[[User], bool] | None = None
    # A form of choices asked beside the file on the upload page (called with
    # `data` and `school=`), and how its cleaned data becomes JSON options.
    options_form: Any = None

    def parse(self, data: Any, options: dict[str, Any]) -> Parsed:
        raise NotImplementedError

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> Plan:
        raise NotImplementedError

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> Any:
        raise NotImplementedError

    def options_from(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        """The upload form's choices as JSON-serialisable options (dates as ISO text)."""
        return {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in cleaned.items()
        }

    def result_url(self, result: Any) -> str | None:
        """Where the admin goes after a commit (None: the imports page)."""
        return None

    stale_message = "The records have changed since this preview; look at the new preview first."

    def integrity_message(self, exc: IntegrityError) -> str:
        """A database refusal (a clash the plan did not foresee) in words an admin can act on."""
        return (
            "The import would have clashed with records already saved (two pupils with one "
            "UPN, or two classes with one name), so nothing was saved. Look at the preview again."
        )

    def describe_result(self, plan: Plan, result: Any) -> str:
        """The message shown after a commit."""
        if not plan.changes:
            return "Nothing to change: the records already match this file."
        parts = [f"{n} {DONE_WORDS.get(action, action)}" for action, n in plan.summary.items()]
        return "Imported: " + ", ".join(parts) + "."


# How the preview and the result message name each action.
ACTION_WORDS = {
    "create": "to create",
    "link": "to link (already known to the school)",
    "change": "to change",
    "end": "to end",
    "leave": "to mark as left",
    "return": "to bring back on roll",
    "archive": "to archive",
    "restore": "to restore",
}
DONE_WORDS = {
    "create": "created",
    "link": "linked",
    "change": "changed",
    "end": "ended",
    "leave": "marked as left",
    "return": "back on roll",
    "archive": "archived",
    "restore": "restored",
}

REGISTRY: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    """Make a kind of import known to the pipeline (its slug is PendingImport.kind)."""
    if not kind.slug or len(kind.slug) > 20:
        raise ValueError(f"An import kind needs a slug of 1-20 characters, not {kind.slug!r}.")
    if kind.slug in REGISTRY and type(REGISTRY[kind.slug]) is not type(kind):
        raise ValueError(f"Two import kinds share the slug {kind.slug!r}.")
    REGISTRY[kind.slug] = kind
    return kind


def get_kind(slug: str) -> ImportKind:
    """The registered kind for a slug (importing the modules that register the built-in ones)."""
    load_kinds()
    try:
        return REGISTRY[slug]
    except KeyError as exc:
        raise ValidationError(f"Unknown kind of import {slug!r}.") from exc


_loaded = False
_loading = threading.RLock()


def load_kinds() -> None:
    """Import the modules whose import registers a kind (once).

    Under a threaded server two requests may ask at once: the second waits until
    every kind is registered, rather than finding the registry half full.
    """
    global _loaded
    if _loaded:
        return
    with _loading:
        if _loaded:
            return
        from django.conf import settings
        from django.utils.module_loading import import_string

        for path in getattr(settings, "TRACKWELL_IMPORT_KINDS", ()):
            import_string(path)
        from trackwell.interop import kinds  # noqa: F401  (registers the built-in kinds)

        _loaded = True
