"""Template filters for agenda sections."""

from django import template

from trackwell.meetings.queries import Agenda, PupilItem

register = template.Library()


@register.filter
def section(agenda: Agenda, kind: str) -> list[PupilItem]:
    """The agenda's pupils with a reason of this kind."""
    return agenda.section(kind)


@register.filter
def length_of(agenda: Agenda, kind: str) -> int:
    """How many of the agenda's pupils have a reason of this kind."""
    return len(agenda.section(kind))
