"""Writes to the curriculum: what has been taught to a class."""

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts.models import User, log_action
from trackwell.curriculum.models import Framework, Objective, TaughtObjective
from trackwell.pupils.models import SchoolClass


def set_taught(
    *, user: User, school_class: SchoolClass, framework: Framework, objective_id: int, taught: bool
) -> bool:
    """Mark an objective as taught to a class (or not yet taught). Returns the new state."""
    try:
        objective = Objective.objects.get(
            pk=objective_id,
            framework=framework,
            school_id=school_class.school_id,
            archived_at__isnull=True,
        )
    except Objective.DoesNotExist as exc:
        raise ValidationError(
            f"Objective {objective_id} is not a current objective of {framework.name}.",
            code="objective_outside_framework",
        ) from exc
    with transaction.atomic():
        existing = TaughtObjective.objects.filter(school_class=school_class, objective=objective)
        was_taught = existing.exists()
        if taught and not was_taught:
            TaughtObjective.objects.create(
                school_id=school_class.school_id,
                school_class=school_class,
                objective=objective,
                marked_by=user,
            )
        elif not taught and was_taught:
            existing.delete()
        else:
            return taught
        log_action(
            school=school_class.school,
            user=user,
            action="objective.taught" if taught else "objective.untaught",
            obj=objective,
            old={"class": school_class.pk, "taught": was_taught},
            new={"class": school_class.pk, "taught": taught},
        )
    return taught
