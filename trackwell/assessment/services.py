"""Writes to judgements, and the school's rule for ratings of untaught objectives.

Every write runs in one transaction, checks the version the user saw, and adds
a history row, so nothing is silently overwritten or lost. The writes live by
feature: `cell_checks` (what every write checks, cell states, refusals),
`cell_save` (one grid cell, the lean path), `bulk_writes` (a whole column, many
cells from the API); this module is where callers import them from.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.core.versioning import EditConflict, FieldDifference

from .bulk_writes import CellWrite, OutOfScope, set_cells, set_column
from .cell_checks import (
    NOTE_MAX_LENGTH,
    CellState,
    CellTarget,
    NotTaught,
    StaleEdit,
    resolve_cell,
)
from .cell_save import save_cell, set_judgement

__all__ = [
    "NOTE_MAX_LENGTH",
    "UNTAUGHT_RULES",
    "CellState",
    "CellTarget",
    "CellWrite",
    "NotTaught",
    "OutOfScope",
    "StaleEdit",
    "resolve_cell",
    "save_cell",
    "set_cells",
    "set_column",
    "set_judgement",
    "set_untaught_rule",
]

UNTAUGHT_RULES = {"ask", "refuse"}


def set_untaught_rule(*, user: User, school_id: int, rule: str, seen: str) -> str:
    """Choose what the grid does with ratings of untaught objectives; logged.

    `seen` is the setting as the user's page showed it: if someone changed it
    meanwhile, EditConflict shows both values and nothing is saved.
    """
    if rule not in UNTAUGHT_RULES:
        raise ValidationError("Choose whether the grid asks or refuses.", code="bad_rule")
    labels = dict(School._meta.get_field("untaught_ratings").choices or [])
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school_id)
        current = school.untaught_ratings
        if current != seen:
            raise EditConflict(
                what="This setting",
                expected_version=0,
                current_version=0,
                differences=[
                    FieldDifference(
                        "untaught_ratings",
                        "Ratings of objectives not yet taught",
                        labels.get(rule, rule),
                        labels.get(current, current),
                    )
                ],
            )
        if rule != current:
            school.untaught_ratings = rule
            school.save(update_fields=["untaught_ratings"])
            log_action(
                school=school,
                user=user,
                action="school.untaught_ratings",
                obj=school,
                old={"untaught_ratings": current},
                new={"untaught_ratings": rule},
            )
    return rule
