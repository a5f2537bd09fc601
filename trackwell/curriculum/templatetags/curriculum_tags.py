"""Template helpers for showing a rating scale where teachers judge: the grid's legend."""

from collections.abc import Sequence

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from trackwell.curriculum.models import TEXT_ON, RatingLevel, Subject

register = template.Library()


@register.simple_tag
def level_guide(
    levels: Sequence[RatingLevel], subject: Subject | None
) -> list[tuple[RatingLevel, str, str]]:
    """Each level with its descriptor and exemplification in the subject (no extra query)."""
    subject_id = subject.pk if subject is not None else None
    return [(level, *level.for_subject(subject_id)) for level in levels]


@register.simple_tag
def level_colours(levels: Sequence[RatingLevel]) -> SafeString:
    """A style block giving grid cells the colours the school chose for its levels."""
    chosen = [lv for lv in levels if lv.colour in TEXT_ON]
    if not chosen:
        return SafeString("")
    rules = format_html_join(
        "",
        "#grid td.lv-{}, .legend .code.lv-{} {{ background-color: {}; color: {}; }}",
        ((lv.value, lv.value, lv.colour, TEXT_ON[lv.colour]) for lv in chosen),
    )
    return format_html("<style>{}</style>", rules)
