"""Permission matrix: provision maps, interventions, sessions, strategies, the SENCO's view."""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect, only
from tests.provision.conftest import make_provision
from trackwell.provision.models import ClassroomStrategy, Intervention, Participant

STAFF_VIEW = only(200, "admin", "leader", "teacher", "other_teacher", "ta", "senco")
MANAGERS = only(200, "admin", "leader", "senco", others=403, governor=404, trust_leader=404)
MANAGERS_POST = only(302, "admin", "leader", "senco", others=403, governor=404, trust_leader=404)
MANAGERS_400 = only(400, "admin", "leader", "senco", others=403, governor=404, trust_leader=404)
CLASS_PLAN = expect(404, admin=200, leader=200, senco=200, teacher=200, other_teacher=403, ta=403)
CLASS_PLAN_POST = expect(
    404, admin=302, leader=302, senco=302, teacher=302, other_teacher=403, ta=403
)
# Refused for what was sent (not for who sent it): the page drawn again, 400.
CLASS_PLAN_400 = expect(
    404, admin=400, leader=400, senco=400, teacher=400, other_teacher=403, ta=403
)
# Group A: class A's pupils, planned by the SENCO, delivered by class A's assistant.
GROUP_VIEW = only(200, "admin", "leader", "senco", "teacher", "ta")
GROUP_EDIT = expect(404, admin=200, leader=200, senco=200, teacher=403, ta=403)
GROUP_EDIT_400 = expect(404, admin=400, leader=400, senco=400, teacher=403, ta=403)
GROUP_EDIT_POST = expect(404, admin=302, leader=302, senco=302, teacher=403, ta=403)
GROUP_RECORD = expect(404, admin=200, leader=200, senco=200, ta=200, teacher=403)
GROUP_RECORD_POST = expect(404, admin=302, leader=302, senco=302, ta=302, teacher=403)

_made: dict[int, int] = {}  # school -> its "Number sense group"


def _provision(w: World) -> None:
    if w.school.pk not in _made or not Intervention.objects.filter(school=w.school).exists():
        make_provision(w)
        _made[w.school.pk] = Intervention.objects.get(school=w.school, name="Number sense group").pk


def _group(w: World) -> Intervention:
    _provision(w)
    # By id: the stored-XSS sweep rewrites every name once the pages are listed.
    return Intervention.objects.get(school=w.school, pk=_made[w.school.pk])


def _group_id(w: World) -> dict[str, Any]:
    return {"intervention_id": _group(w).pk}


def _participant(w: World) -> Participant:
    found = _group(w).participants.order_by("pk").first()
    assert found is not None
    return found


def _class(w: World) -> dict[str, Any]:
    _provision(w)
    return {"class_id": w.class_a.pk}


def _strategy_data(w: World) -> dict[str, Any]:
    strategy = ClassroomStrategy.objects.filter(school_class=w.class_a).first()
    assert strategy is not None
    return {
        "strategy": strategy.pk,
        "version": strategy.version,
        "title": "Word banks",
        "active": "on",
    }


CASES = {
    "provision:map": Entry(get=STAFF_VIEW, post=NOT_ALLOWED),
    "provision:year-map": Entry(
        get=STAFF_VIEW, post=NOT_ALLOWED, kwargs=lambda w: {"nc_year": 3}, foreign=False
    ),
    "provision:class-map": Entry(get=STAFF_VIEW, post=NOT_ALLOWED, kwargs=_class),
    "provision:strategies": Entry(
        get=CLASS_PLAN, post=CLASS_PLAN_POST, kwargs=_class, data=_strategy_data
    ),
    "provision:strategy-add": Entry(
        get=NOT_ALLOWED,
        post=CLASS_PLAN_POST,
        kwargs=_class,
        data=lambda w: {"title": "Pre-teaching vocabulary"},
    ),
    # POST with no objective chosen: the page is drawn again saying so (400).
    "provision:from-gap": Entry(
        get=CLASS_PLAN,
        post=CLASS_PLAN_400,
        kwargs=lambda w: {**_class(w), "subject_slug": "maths"},
    ),
    "provision:trust": Entry(get=only(200, "trust_leader"), post=NOT_ALLOWED),
    # POST of an empty plan: 400 naming the fields.
    "provision:intervention-new": Entry(get=MANAGERS, post=MANAGERS_400),
    "provision:intervention": Entry(get=GROUP_VIEW, post=NOT_ALLOWED, kwargs=_group_id),
    "provision:intervention-edit": Entry(get=GROUP_EDIT, post=GROUP_EDIT_400, kwargs=_group_id),
    "provision:intervention-action": Entry(
        get=NOT_ALLOWED,
        post=GROUP_EDIT_POST,
        kwargs=lambda w: {**_group_id(w), "name": "start"},
        data=lambda w: {"version": _group(w).version},
    ),
    "provision:participant-add": Entry(
        get=NOT_ALLOWED,
        post=GROUP_EDIT_POST,
        kwargs=_group_id,
        data=lambda w: {"pupil": w.pupils_a[-1].pk, "target": "Count to 20"},
    ),
    "provision:session": Entry(
        get=GROUP_RECORD,
        post=GROUP_RECORD_POST,
        kwargs=_group_id,
        data=lambda w: {"date": "2026-11-05", "present": [_participant(w).pk]},
    ),
    "provision:participant": Entry(
        get=GROUP_VIEW,
        post=GROUP_EDIT_POST,
        kwargs=lambda w: {"participant_id": _participant(w).pk},
        data=lambda w: {
            "what": "details",
            "version": _participant(w).version,
            "comment": "Settled well",
        },
    ),
    "provision:mine": Entry(get=STAFF_VIEW, post=NOT_ALLOWED),
    "provision:senco": Entry(get=MANAGERS, post=NOT_ALLOWED),
    "provision:budget": Entry(
        get=NOT_ALLOWED, post=MANAGERS_POST, data=lambda w: {"budget_pupil_premium": "9000"}
    ),
    "provision:summary": Entry(
        get=only(200, "admin", "leader", "senco", "governor"), post=NOT_ALLOWED
    ),
    # POST of an empty measure: 400 naming the fields.
    "provision:measures": Entry(get=MANAGERS, post=MANAGERS_400),
    "provision:pupil-history": Entry(
        get=STAFF_VIEW, post=NOT_ALLOWED, kwargs=lambda w: {"pupil_id": w.pupils_a[0].pk}
    ),
    "provision:import": Entry(
        get=only(302, "admin", "leader", "senco", others=403, governor=404, trust_leader=404),
        post=NOT_ALLOWED,
    ),
}
