"""The pupil page's statutory results and received transition records (kept from a CTF)."""

from typing import Any

from django import template

from trackwell.accounts import access
from trackwell.interop.models import TransitionRecord
from trackwell.pupils.models import Pupil
from trackwell.scores.models import KeyStageResult

register = template.Library()


@register.inclusion_tag("interop/_key_stage_results.html", takes_context=True)
def key_stage_results(context: dict[str, Any], pupil: Pupil) -> dict[str, Any]:
    """The pupil's key stage results, and a link to transition records for those who manage them."""
    user = context.get("user")
    manages = bool(user is not None and access.can_manage_people(user))
    return {
        "results": list(
            KeyStageResult.objects.filter(pupil=pupil).order_by(
                "stage", "subject", "component", "method"
            )
        ),
        "records": (
            list(
                TransitionRecord.objects.filter(pupil=pupil).values("source_school", "exported_at")
            )
            if manages
            else []
        ),
        "pupil": pupil,
    }
