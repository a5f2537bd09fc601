"""The governors' pack: the school overview and group comparisons, small groups suppressed.

Nothing here suppresses on its own: the figures come from the school overview's
`school_overview_context` and the group page's `group_comparison_context` with
suppression on, so the pack shows exactly what a governor sees on the screens.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from trackwell.core.models import School
from trackwell.printed.pp_provision import PupilPremiumProvision, pupil_premium_provision
from trackwell.printed.render import outlined
from trackwell.reports.views import group_comparison_context, school_overview_context

DISADVANTAGE_KEYS = ("disadvantaged", "fsm")
SEN_KEYS = ("sen", "sen-support", "ehcp")


def _pick(by_subject: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {
            "subject": block["subject"],
            "comparisons": [c for c in block["comparisons"] if c.key in keys],
        }
        for block in by_subject
    ]


def provision_summary(school: School) -> PupilPremiumProvision | None:
    """Provision for disadvantaged pupils and what the pupil premium paid for, this year."""
    return pupil_premium_provision(school)


def governors_pack_context(school: School) -> dict[str, Any]:
    """Everything the pack shows, for its web page and its PDF."""
    context = school_overview_context(school, suppress=True)
    for table in context["tables"]:
        table["chart"] = outlined(table["chart"])
    by_subject, partial = group_comparison_context(school, context["point"], "", suppress=True)
    context.update(
        {
            "disadvantage": _pick(by_subject, DISADVANTAGE_KEYS),
            "sen": _pick(by_subject, SEN_KEYS),
            "partial": partial,
            "provision": provision_summary(school),
            "made_at": timezone.localtime(),
            "sees_pupils": False,
        }
    )
    return context
