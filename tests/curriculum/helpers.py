"""Small builders shared by the curriculum tests."""

from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.assessment.models import Judgement
from trackwell.assessment.services import set_judgement
from trackwell.curriculum.models import Objective
from trackwell.pupils.models import Pupil


def rate(world: World, pupil: Pupil, objective: Objective, code: str, note: str | None = None):
    """Give a pupil of class A a rating through the real service (history and all)."""
    current = Judgement.objects.filter(pupil=pupil, objective=objective).first()
    return set_judgement(
        user=world.users["teacher"],
        school_class=world.class_a,
        framework=objective.framework,
        pupil_id=pupil.pk,
        objective_id=objective.pk,
        code=code,
        expected_version=current.version if current else 0,
        note=note,
    )


def actions(world: World) -> list[str]:
    return list(
        AuditEntry.objects.filter(school=world.school)
        .order_by("id")
        .values_list("action", flat=True)
    )
