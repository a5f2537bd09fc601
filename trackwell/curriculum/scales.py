"""Writes to rating scales: the school's own levels, descriptors and colours.

A level that any judgement (current or in history) uses cannot be deleted;
every change is logged.
"""

from dataclasses import dataclass
from types import EllipsisType

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.core.versioning import locked_for_edit, save_versioned
from trackwell.curriculum.defaults import DEPTH_SCALE
from trackwell.curriculum.models import (
    PALETTE,
    RatingLevel,
    RatingScale,
    Subject,
)

CODE_MAX = RatingLevel._meta.get_field("code").max_length or 3


@dataclass(frozen=True)
class LevelTemplate:
    code: str
    label: str
    descriptor: str
    secure: bool = False
    greater_depth: bool = False


# Starting points for a new scale; the school edits every word afterwards.
SCALE_TEMPLATES: dict[str, tuple[str, list[LevelTemplate]]] = {
    "depth": (
        "Depth 0-3",
        [LevelTemplate(c, lab, d, sec, gd) for _, c, lab, d, sec, gd in DEPTH_SCALE],
    ),
    "eds": (
        "Emerging, developing, secure",
        [
            LevelTemplate("E", "Emerging", "Beginning to show the objective with a lot of help."),
            LevelTemplate("D", "Developing", "Shows it with some support or in familiar work."),
            LevelTemplate("S", "Secure", "Shows it independently and reliably.", True),
        ],
    ),
    "tick": (
        "Taught and secure",
        [
            LevelTemplate("T", "Taught", "Has been taught; not yet secure."),
            LevelTemplate("S", "Secure", "Secure: uses it independently.", True),
        ],
    ),
    "empty": ("No levels yet", []),
}
TEMPLATE_COLOURS = [PALETTE[1][0], PALETTE[2][0], PALETTE[3][0], PALETTE[5][0]]


def _state(level: RatingLevel) -> dict[str, object]:
    return {
        "value": level.value,
        "code": level.code,
        "label": level.label,
        "descriptor": level.descriptor,
        "exemplification": level.exemplification,
        "colour": level.colour,
        "secure": level.counts_as_secure,
        "greater_depth": level.is_greater_depth,
    }


def create_scale(
    *, user: User, school: School, name: str, description: str = "", template: str = "empty"
) -> RatingScale:
    """A new scale, starting from one of the templates."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the scale a name.")
    if RatingScale.objects.filter(school=school, name=name).exists():
        raise ValidationError(f"There is already a scale called {name}.")
    if template not in SCALE_TEMPLATES:
        raise ValidationError("Choose one of the starting points.")
    levels = SCALE_TEMPLATES[template][1]
    with transaction.atomic():
        scale = RatingScale.objects.create(school=school, name=name, description=description)
        RatingLevel.objects.bulk_create(
            RatingLevel(
                school=school,
                scale=scale,
                value=value,
                code=t.code,
                label=t.label,
                descriptor=t.descriptor,
                counts_as_secure=t.secure,
                is_greater_depth=t.greater_depth,
                colour=TEMPLATE_COLOURS[min(value + 4 - len(levels), 3)] if levels else "",
            )
            for value, t in enumerate(levels)
        )
        log_action(
            school=school,
            user=user,
            action="scale.create",
            obj=scale,
            new={"name": name, "levels": [t.code for t in levels]},
        )
    return scale


def update_scale(
    *,
    user: User,
    scale: RatingScale,
    name: str,
    description: str,
    secure_from: RatingLevel | None,
    greater_depth_from: RatingLevel | None,
    expected_version: int | EllipsisType | None = ...,
) -> RatingScale:
    """Rename a scale and choose the lowest level that counts as secure and as greater depth.

    With `expected_version` (the edit form's), a scale changed since is an EditConflict.
    """
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the scale a name.")
    if RatingScale.objects.filter(school=scale.school, name=name).exclude(pk=scale.pk).exists():
        raise ValidationError(f"There is already a scale called {name}.")
    for chosen in (secure_from, greater_depth_from):
        if chosen is not None and chosen.scale_id != scale.pk:
            raise ValidationError("Choose levels of this scale.")
    if (
        secure_from is not None
        and greater_depth_from is not None
        and greater_depth_from.value < secure_from.value
    ):
        raise ValidationError("Greater depth cannot start below secure.")
    if greater_depth_from is not None and secure_from is None:
        raise ValidationError("Choose where secure starts before greater depth.")
    with transaction.atomic():
        locked = locked_for_edit(
            RatingScale.objects.filter(school_id=scale.school_id),
            scale.pk,
            scale.version if expected_version is ... else expected_version,
            yours={"name": name, "description": description},
            labels={"name": "Name", "description": "Description"},
            what=f"The scale {scale.name}",
        )
        levels = list(RatingLevel.objects.select_for_update().filter(scale=scale))
        old = {
            "name": locked.name,
            "description": locked.description,
            "levels": [_state(lv) for lv in levels],
        }
        scale.name, scale.description = name, description
        scale.version = locked.version
        save_versioned(scale, ["name", "description"])
        for level in levels:
            level.counts_as_secure = secure_from is not None and level.value >= secure_from.value
            level.is_greater_depth = (
                greater_depth_from is not None and level.value >= greater_depth_from.value
            )
        RatingLevel.objects.bulk_update(levels, ["counts_as_secure", "is_greater_depth"])
        new = {"name": name, "description": description, "levels": [_state(lv) for lv in levels]}
        if new != old:
            log_action(
                school=scale.school, user=user, action="scale.update", obj=scale, old=old, new=new
            )
    return scale


def _check_level(
    scale: RatingScale, code: str, label: str, colour: str, exclude: int | None
) -> str:
    code = code.strip()
    if not code or len(code) > CODE_MAX:
        raise ValidationError(f"Give the level a short code of 1 to {CODE_MAX} characters.")
    if not label.strip():
        raise ValidationError("Give the level a label.")
    if colour and colour not in {hex_ for hex_, _, _ in PALETTE}:
        raise ValidationError("Choose a colour from the palette.")
    clash = RatingLevel.objects.filter(scale=scale, code__iexact=code)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError(f"The code {code} is already used on this scale.")
    return code


def add_level(
    *,
    user: User,
    scale: RatingScale,
    code: str,
    label: str,
    descriptor: str = "",
    exemplification: str = "",
    colour: str = "",
) -> RatingLevel:
    """Add a level above the scale's current highest."""
    code = _check_level(scale, code, label, colour, None)
    with transaction.atomic():
        top = RatingLevel.objects.filter(scale=scale).aggregate(m=Max("value"))["m"]
        level = RatingLevel.objects.create(
            school_id=scale.school_id,
            scale=scale,
            value=0 if top is None else top + 1,
            code=code,
            label=label.strip(),
            descriptor=descriptor.strip(),
            exemplification=exemplification.strip(),
            colour=colour,
        )
        log_action(
            school=scale.school, user=user, action="level.create", obj=level, new=_state(level)
        )
    return level


def update_level(
    *,
    user: User,
    level: RatingLevel,
    code: str,
    label: str,
    descriptor: str,
    exemplification: str,
    colour: str,
) -> RatingLevel:
    """Change a level's words, code or colour (judgements keep pointing at it)."""
    code = _check_level(level.scale, code, label, colour, level.pk)
    old = _state(level)
    with transaction.atomic():
        level.code = code
        level.label = label.strip()
        level.descriptor = descriptor.strip()
        level.exemplification = exemplification.strip()
        level.colour = colour
        if _state(level) != old:
            level.save()
            log_action(
                school=level.scale.school,
                user=user,
                action="level.update",
                obj=level,
                old=old,
                new=_state(level),
            )
    return level


def level_use(level: RatingLevel) -> int:
    """How many judgements, current or in history, use this level."""
    from trackwell.assessment.models import Judgement, JudgementHistory

    return (
        Judgement.objects.filter(level=level).count()
        + JudgementHistory.objects.filter(Q(old_level=level) | Q(new_level=level)).count()
    )


def delete_level(*, user: User, level: RatingLevel) -> None:
    """Delete a level nobody has used; a level in use is refused with the reason."""
    used = level_use(level)
    if used:
        raise ValidationError(
            f"Level {level.code} ({level.label}) is used by {used} judgement"
            f"{'s' if used != 1 else ''} or their history, so it cannot be deleted. "
            "To stop using it, move the framework to another scale with a mapping.",
            code="level_in_use",
        )
    with transaction.atomic():
        log_action(
            school=level.scale.school,
            user=user,
            action="level.delete",
            obj=level,
            old=_state(level),
        )
        level.delete()


def _standing(level: RatingLevel) -> str:
    if level.is_greater_depth:
        return "greater depth"
    return "secure" if level.counts_as_secure else "below secure"


def move_level(*, user: User, level: RatingLevel, step: int) -> str:
    """Swap a level with the one above (step +1) or below (-1); values follow the order.

    Where secure and greater depth start stays at the same height of the scale:
    the flags belong to the positions, so every level from the threshold up
    still counts. A level moved across a threshold starts or stops counting as
    secure (or greater depth); the returned sentence says so ("" otherwise).
    """
    with transaction.atomic():
        levels = list(RatingLevel.objects.select_for_update().filter(scale_id=level.scale_id))
        levels.sort(key=lambda lv: lv.value)
        index = next(i for i, lv in enumerate(levels) if lv.pk == level.pk)
        target = index + (1 if step > 0 else -1)
        if not 0 <= target < len(levels):
            return ""
        a, b = levels[index], levels[target]
        old_a, old_b = _state(a), _state(b)
        a_value, b_value = a.value, b.value
        # Values are unique per scale: park one on a free value first.
        spare = max(lv.value for lv in levels) + 1
        RatingLevel.objects.filter(pk=a.pk).update(value=spare)
        RatingLevel.objects.filter(pk=b.pk).update(value=a_value)
        # Each level takes the flags of the place it moves to.
        a_flags = (a.counts_as_secure, a.is_greater_depth)
        b_flags = (b.counts_as_secure, b.is_greater_depth)
        a.value, (a.counts_as_secure, a.is_greater_depth) = b_value, b_flags
        b.value, (b.counts_as_secure, b.is_greater_depth) = a_value, a_flags
        RatingLevel.objects.filter(pk=a.pk).update(
            value=b_value, counts_as_secure=b_flags[0], is_greater_depth=b_flags[1]
        )
        RatingLevel.objects.filter(pk=b.pk).update(
            counts_as_secure=a_flags[0], is_greater_depth=a_flags[1]
        )
        log_action(
            school=level.scale.school,
            user=user,
            action="level.move",
            obj=level,
            old={**old_a, "other": old_b},
            new={**_state(a), "other": _state(b)},
        )
    if a_flags == b_flags:
        return ""
    return (
        f"{a.code} ({a.label}) now counts as {_standing(a)} and {b.code} ({b.label}) as "
        f"{_standing(b)}: where secure and greater depth start stays at the same height "
        "of the scale. Change 'Secure from' or 'Greater depth from' if you meant otherwise."
    )


def set_subject_descriptor(
    *, user: User, level: RatingLevel, subject: Subject, descriptor: str, exemplification: str
) -> RatingLevel:
    """What a level means in one subject; empty text removes the subject's own wording."""
    if subject.school_id != level.school_id:
        raise ValidationError("That subject belongs to another school.")
    descriptor, exemplification = descriptor.strip(), exemplification.strip()
    key = str(subject.pk)
    with transaction.atomic():
        level = RatingLevel.objects.select_for_update().get(pk=level.pk)
        old = dict(level.subject_descriptors.get(key, {}))
        new = {"descriptor": descriptor, "exemplification": exemplification}
        if not descriptor and not exemplification:
            if not old:
                return level
            level.subject_descriptors.pop(key, None)
        elif old == new:
            return level
        else:
            level.subject_descriptors[key] = new
        level.save(update_fields=["subject_descriptors"])
        log_action(
            school=level.scale.school,
            user=user,
            action="level.subject_descriptor",
            obj=level,
            old={"subject": subject.name, **old},
            new={"subject": subject.name, **new},
        )
    return level
