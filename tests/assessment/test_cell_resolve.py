"""`resolve_cell`, the save's one checking query (written as SQL), against the models.

Every answer it gives is compared with what the ORM says about the same cell, on a
spread of cells: taught or not, in the class or not, a pupil who has left, level codes
in either case or unknown, an archived objective, another subject, another school.
"""

import pytest
from django.utils import timezone

from tests.factories import World
from trackwell.assessment.cell_checks import resolve_cell
from trackwell.curriculum.models import Objective, RatingLevel, TaughtObjective
from trackwell.pupils.models import Enrolment

pytestmark = pytest.mark.django_db


def _expected(world: World, objective: Objective, pupil_id: int, code: str):
    school_class = world.class_a
    enrolled = Enrolment.objects.filter(school_class=school_class, pupil_id=pupil_id)
    wanted = code.strip()
    level = (
        RatingLevel.objects.filter(scale_id=objective.framework.scale_id, code__iexact=wanted)
        .order_by("pk")
        .first()
        if wanted
        else None
    )
    return (
        objective.pk,
        objective.framework_id,
        objective.framework.scale_id,
        TaughtObjective.objects.filter(school_class=school_class, objective=objective).exists(),
        enrolled.exists(),
        enrolled.filter(pupil__left_on__isnull=False).exists(),
        level.pk if level else None,
        level.code if level else None,
    )


def _got(world: World, objective: Objective, pupil_id: int, code: str, slug: str | None):
    target = resolve_cell(
        world.class_a,
        objective_id=objective.pk,
        pupil_id=pupil_id,
        code=code,
        framework_id=objective.framework_id,
        subject_slug=slug,
    )
    if target is None:
        return None
    assert target.objective.framework is target.framework
    assert target.objective.is_taught == target.is_taught  # type: ignore[attr-defined]
    if slug is not None:
        assert target.framework.subject.slug == slug
    return (
        target.objective.pk,
        target.framework.pk,
        target.framework.scale.pk,
        target.is_taught,
        target.enrolled,
        target.pupil_left,
        target.level_id,
        target.level_code,
    )


def test_every_answer_matches_the_models(world: World, other_world: World) -> None:
    scale = world.framework.scale
    # A letter code, to check that codes match in either case.
    RatingLevel.objects.create(school=world.school, scale=scale, code="G", label="Greater", value=9)
    taught, untaught, archived = world.objectives[0], world.objectives[1], world.objectives[2]
    TaughtObjective.objects.create(
        school=world.school, school_class=world.class_a, objective=taught
    )
    archived.archived_at = timezone.now()
    archived.save()
    leaver = world.pupils_a[1]
    leaver.left_on = timezone.localdate()
    leaver.save()
    pupils = [world.pupils_a[0].pk, leaver.pk, world.pupils_b[0].pk, other_world.pupils_a[0].pk]
    checked = 0
    for objective in (taught, untaught):
        for pupil_id in pupils:
            for code in ("2", " 2 ", "g", "G", "Z", ""):
                got = _got(world, objective, pupil_id, code, "maths")
                assert got == _expected(world, objective, pupil_id, code), (pupil_id, code)
                assert _got(world, objective, pupil_id, code, None) == got
                checked += 1
    assert checked == 48
    # Not a current objective of that framework of the class's school (or subject): None.
    assert _got(world, archived, pupils[0], "2", "maths") is None
    assert _got(world, taught, pupils[0], "2", "reading") is None
    assert _got(world, other_world.objectives[0], pupils[0], "2", None) is None


def test_a_code_with_an_accent_is_found_in_either_case(world: World) -> None:
    """SQLite's UPPER folds ASCII only; the save finds "é" for "É" all the same."""
    from trackwell.assessment.models import Judgement
    from trackwell.assessment.services import set_judgement

    RatingLevel.objects.create(
        school=world.school, scale=world.framework.scale, code="É", label="Étendu", value=9
    )
    state = set_judgement(
        user=world.users["teacher"],
        school_class=world.class_a,
        framework=world.framework,
        pupil_id=world.pupils_a[0].pk,
        objective_id=world.objectives[0].pk,
        code="é",
        expected_version=0,
    )
    assert state.code == "É"
    saved = Judgement.objects.get(pupil=world.pupils_a[0], objective=world.objectives[0])
    assert saved.level is not None and saved.level.code == "É"
