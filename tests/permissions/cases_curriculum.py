"""Permission matrix: the curriculum editor (staff read; admins and leaders change)."""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect, only
from trackwell.curriculum import trust
from trackwell.curriculum.models import RatingLevel

READ = expect(200, governor=404, trust_leader=404)
EDIT = expect(403, admin=302, leader=302, governor=404, trust_leader=404)
EDIT_PAGE = expect(403, admin=200, leader=200, governor=404, trust_leader=404)


def _framework(w: World) -> dict[str, Any]:
    return {"framework_id": w.framework.pk}


def _strand(w: World) -> dict[str, Any]:
    return {"strand_id": w.objectives[0].strand_id}


def _objective(w: World) -> dict[str, Any]:
    return {"objective_id": w.objectives[0].pk}


def _scale(w: World) -> dict[str, Any]:
    return {"scale_id": w.scale.pk}


def _level(w: World) -> dict[str, Any]:
    spare, _ = RatingLevel.objects.get_or_create(
        school=w.school, scale=w.scale, value=9, defaults={"code": "9", "label": "Spare"}
    )
    return {"level_id": spare.pk}


def _shared(w: World) -> dict[str, Any]:
    shared = trust.publish_framework(user=w.users["leader"], framework=w.framework).shared
    return {"shared_id": shared.pk}


def _layout(w: World) -> dict[str, Any]:
    layout: dict[str, list[str]] = {}
    for obj in w.framework.objectives.order_by("strand__order", "order"):
        layout.setdefault(f"strand-{obj.strand_id}", []).append(str(obj.pk))
    return {k: ",".join(v) for k, v in layout.items()}


CASES = {
    "curriculum-index": Entry(get=READ, post=NOT_ALLOWED),
    "curriculum-subject-new": Entry(get=NOT_ALLOWED, post=EDIT, data=lambda w: {"name": "Art"}),
    "curriculum-subject-edit": Entry(
        get=EDIT_PAGE, post=EDIT_PAGE, kwargs=lambda w: {"subject_id": w.maths.pk}
    ),
    "curriculum-framework-new": Entry(get=EDIT_PAGE, post=EDIT_PAGE),
    "curriculum-framework": Entry(get=READ, post=NOT_ALLOWED, kwargs=_framework),
    "curriculum-framework-edit": Entry(get=EDIT_PAGE, post=EDIT_PAGE, kwargs=_framework),
    "curriculum-framework-history": Entry(get=READ, post=NOT_ALLOWED, kwargs=_framework),
    "curriculum-strand-new": Entry(
        get=NOT_ALLOWED, post=EDIT, kwargs=_framework, data=lambda w: {"name": "New strand"}
    ),
    "curriculum-framework-reorder": Entry(
        get=NOT_ALLOWED,
        post=expect(403, admin=200, leader=200, governor=404, trust_leader=404),
        kwargs=_framework,
        data=_layout,
    ),
    "curriculum-framework-merge": Entry(get=EDIT_PAGE, post=EDIT_PAGE, kwargs=_framework),
    "curriculum-framework-scale": Entry(get=EDIT_PAGE, post=EDIT_PAGE, kwargs=_framework),
    "curriculum-framework-csv": Entry(get=READ, post=NOT_ALLOWED, kwargs=_framework),
    "curriculum-framework-case": Entry(get=READ, post=NOT_ALLOWED, kwargs=_framework),
    "curriculum-framework-publish": Entry(
        get=NOT_ALLOWED, post=EDIT, kwargs=_framework, data=lambda w: {"note": "v"}
    ),
    "curriculum-framework-update": Entry(get=EDIT, post=EDIT, kwargs=_framework),
    "curriculum-strand-edit": Entry(get=EDIT_PAGE, post=EDIT_PAGE, kwargs=_strand),
    "curriculum-strand-move": Entry(
        get=NOT_ALLOWED, post=EDIT, kwargs=_strand, data=lambda w: {"direction": "down"}
    ),
    "curriculum-strand-delete": Entry(get=NOT_ALLOWED, post=EDIT, kwargs=_strand),
    "curriculum-objective-new": Entry(
        get=NOT_ALLOWED,
        post=EDIT,
        kwargs=_strand,
        data=lambda w: {"code": "NEW-1", "statement": "New"},
    ),
    "curriculum-objective-edit": Entry(get=EDIT_PAGE, post=EDIT_PAGE, kwargs=_objective),
    "curriculum-objective-move": Entry(
        get=NOT_ALLOWED, post=EDIT, kwargs=_objective, data=lambda w: {"direction": "down"}
    ),
    "curriculum-objective-remove": Entry(get=NOT_ALLOWED, post=EDIT, kwargs=_objective),
    "curriculum-objective-restore": Entry(get=NOT_ALLOWED, post=EDIT, kwargs=_objective),
    "curriculum-objective-split": Entry(get=EDIT_PAGE, post=EDIT_PAGE, kwargs=_objective),
    "curriculum-scale-new": Entry(get=EDIT_PAGE, post=EDIT_PAGE),
    "curriculum-scale": Entry(get=READ, post=NOT_ALLOWED, kwargs=_scale),
    "curriculum-scale-edit": Entry(
        get=NOT_ALLOWED,
        post=EDIT,
        kwargs=_scale,
        data=lambda w: {"name": "Depth", "version": w.scale.version},
    ),
    "curriculum-level-new": Entry(
        get=NOT_ALLOWED,
        post=EDIT,
        kwargs=_scale,
        data=lambda w: {"code": "X", "label": "Extra"},
    ),
    "curriculum-level-edit": Entry(get=EDIT_PAGE, post=EDIT_PAGE, kwargs=_level),
    "curriculum-level-descriptor": Entry(
        get=NOT_ALLOWED,
        post=EDIT,
        kwargs=_level,
        data=lambda w: {"subject": w.maths.pk, "descriptor": "In maths"},
    ),
    "curriculum-level-move": Entry(
        get=NOT_ALLOWED, post=EDIT, kwargs=_level, data=lambda w: {"direction": "up"}
    ),
    "curriculum-level-delete": Entry(get=NOT_ALLOWED, post=EDIT, kwargs=_level),
    "curriculum-library": Entry(get=EDIT_PAGE, post=NOT_ALLOWED),
    "curriculum-library-adopt": Entry(
        get=NOT_ALLOWED, post=EDIT, data=lambda w: {"subject": "history", "years": ["1"]}
    ),
    "curriculum-trust": Entry(
        get=expect(403, admin=200, leader=200, governor=404, trust_leader=200), post=NOT_ALLOWED
    ),
    # A trust leader publishes any framework of the trust's schools; nobody else.
    "curriculum-trust-publish": Entry(
        get=NOT_ALLOWED,
        post=only(302, "trust_leader"),
        data=lambda w: {"framework": w.framework.pk},
    ),
    "curriculum-trust-adopt": Entry(get=NOT_ALLOWED, post=EDIT, kwargs=_shared),
}
