"""Special-category flags and filters only for those who need them, role by role."""

import pytest
from django.urls import reverse

from tests.factories import World
from trackwell.pupils.models import SenStatus

# Class A's grid: `teacher` teaches it and `ta` assists; `other_teacher` teaches class B.
SEES = {"admin": True, "leader": True, "senco": True, "teacher": True, "ta": True}
SEES_NOT = {"other_teacher": False}


@pytest.fixture
def flagged(world: World) -> World:
    first, second = world.pupils_a[0], world.pupils_a[1]
    first.sen_status = SenStatus.EHCP
    first.disadvantaged = True
    first.save()
    second.fsm = True
    second.looked_after = True
    second.save()
    return world


@pytest.mark.parametrize("role,sees", [*SEES.items(), *SEES_NOT.items()])
def test_grid_flags_and_filters_by_role(flagged: World, client_for, role: str, sees: bool) -> None:
    client = client_for(flagged.users[role])
    url = reverse("grid", args=[flagged.class_a.pk, "maths"])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert ("EHC plan" in body) is sees
    assert (">PP<" in body) is sees
    filters = page.context["grid"].filters
    for key in ("sen", "ehcp", "fsm", "disadvantaged", "looked-after"):
        assert (key in filters) is sees
    assert "eal" in filters  # not special-category
    for key, pupils in (("ehcp", 1), ("looked-after", 1), ("fsm", 1)):
        rows = client.get(url, {"filter": key}).context["grid"].rows
        # Without the right, a filter on special-category data is ignored: every pupil shows,
        # so the answer says nothing about who has the flag.
        assert len(rows) == (pupils if sees else len(flagged.pupils_a)), key


def test_the_teacher_of_class_b_sees_flags_on_their_own_grid(flagged: World, client_for) -> None:
    pupil = flagged.pupils_b[0]
    pupil.sen_status = SenStatus.SUPPORT
    pupil.save()
    client = client_for(flagged.users["other_teacher"])
    page = client.get(reverse("grid", args=[flagged.class_b.pk, "maths"]))
    assert "SEN support" in page.content.decode()
    ta_page = client_for(flagged.users["ta"]).get(
        reverse("grid", args=[flagged.class_b.pk, "maths"])
    )
    assert ta_page.status_code == 404  # a TA sees only their own classes
