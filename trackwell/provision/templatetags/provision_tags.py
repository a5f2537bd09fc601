"""The pupil page's provision section, as an inclusion tag so the page's own view stays as it is."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.provision.models import ClassroomStrategy, Intervention
from trackwell.provision.queries import load_map

register = template.Library()


@register.inclusion_tag("provision/_pupil_provision.html", takes_context=True)
def pupil_provision(context: dict[str, Any], pupil: Any) -> dict[str, Any]:
    """A pupil's provision, past and present: every intervention they have been in, and strategies.

    Shown to anyone who may see the pupil: it is a running record that follows them.
    """
    user = context["request"].user
    if not isinstance(user, User) or not access.sees_pupils(user):
        return {"show": False}
    rows = load_map(
        Intervention.objects.filter(participants__pupil=pupil).distinct(), Q(pupil=pupil)
    )
    lines = sorted(
        ((r, r.participants[0]) for r in rows if r.participants),
        key=lambda pair: pair[0].intervention.start_date,
        reverse=True,
    )
    visible = set(
        access.visible_interventions(user)
        .filter(pk__in=[r.intervention.pk for r, _ in lines])
        .values_list("pk", flat=True)
    )
    strategies = list(
        ClassroomStrategy.objects.filter(pupil=pupil, active=True).select_related("school_class")
    )
    return {
        "show": True,
        "pupil": pupil,
        "lines": lines,
        "visible": visible,
        "strategies": strategies,
    }
