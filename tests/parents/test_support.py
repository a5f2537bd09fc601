"""The support a child is getting, from the provision map, in words for families."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import World, make_parent
from trackwell.accounts.models import User
from trackwell.parents import services
from trackwell.parents.models import ParentRelease, ParentSettings
from trackwell.printed.models import ReportRound
from trackwell.provision import services as provision
from trackwell.provision.models import AreaOfNeed, Intervention

pytestmark = pytest.mark.django_db


def _intervention(world: World, pupils, name: str, **plan) -> Intervention:
    today = timezone.localdate()
    defaults: dict[str, Any] = {
        "area": AreaOfNeed.ACADEMIC,
        "subject_id": world.maths.pk,
        "start_date": today - timedelta(days=30),
        "end_date": today + timedelta(days=30),
        "status": "running",
        "sessions_per_week": 3,
        "minutes_per_session": 20,
        "group_size": 4,
        "description": "Staff only: struggles after lunch",
        "target": "Secret SMART target",
        "objective_ids": [o.pk for o in world.framework.objectives.order_by("order")[:2]],
    }
    defaults.update(plan)
    intervention = provision.create_intervention(
        user=world.users["senco"],
        school=world.school,
        name=name,
        pupil_ids=[p.pk for p in pupils],
        **defaults,
    )
    return intervention


def _switch(world: World, **flags: bool) -> None:
    settings = services.settings_for(world.school)
    current = {f: getattr(settings, f) for f in services.SETTINGS_FLAGS}
    current.update(flags)
    services.update_settings(
        user=world.users["leader"],
        school=world.school,
        expected_version=settings.version,
        welcome=settings.welcome,
        flags=current,
        home_help=settings.home_help,
        band_words=settings.band_words,
    )


def _page(client, pupil) -> str:
    response = client.get(reverse("parents:child", args=[pupil.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _backdate_release(released: ReportRound) -> None:
    # Shared today; the support below started a month ago, so it was in place.
    ParentRelease.objects.filter(point=released.point).update(released_at=timezone.now())


def test_support_is_off_by_default_and_shown_in_parent_words_once_the_school_allows_it(
    world: World, parent: User, released: ReportRound, client_for
) -> None:
    _backdate_release(released)
    child = world.pupils_a[0]
    _intervention(world, [child], "Number sense group")
    assert ParentSettings._meta.get_field("show_support").default is False
    client = client_for(parent)
    assert "Number sense group" not in _page(client, child)

    _switch(world, show_support=True)
    html = _page(client, child)
    assert "Extra support at school" in html and "Number sense group" in html
    assert "Extra help with Maths" in html
    assert "3 times a week, 20 minutes each time, in a small group of 4" in html
    first = world.framework.objectives.order_by("order").first()
    assert first is not None and first.statement in html
    # Never staff notes, never an area of need unless the school chooses.
    for staff in ("Staff only", "Secret SMART target", "Academic (subject)"):
        assert staff not in html


def test_areas_of_need_are_named_only_when_the_school_chooses(
    world: World, parent: User, released: ReportRound, client_for
) -> None:
    _backdate_release(released)
    child = world.pupils_a[0]
    _intervention(
        world, [child], "Talk time", area=AreaOfNeed.COMMUNICATION, subject_id=None, group_size=1
    )
    _switch(world, show_support=True)
    client = client_for(parent)
    html = _page(client, child)
    assert "Extra support in school" in html
    assert "one to one with an adult" in html
    assert "Speaking, listening" not in html and "Communication and interaction" not in html
    # Outside a subject the staff's name for the support can tell the need: not shown.
    assert "Talk time" not in html
    _switch(world, show_support_need=True)
    html = _page(client, child)
    assert "Talk time" in html
    assert "Speaking, listening and getting on with others" in html
    assert "Communication and interaction" not in html  # staff wording never


def test_support_is_released_like_the_rest_and_ended_support_is_not_current(
    world: World, parent: User, report_round: ReportRound, client_for
) -> None:
    child = world.pupils_a[0]
    _switch(world, show_support=True)
    _intervention(world, [child], "Number sense group")
    client = client_for(parent)
    assert "Number sense group" not in _page(client, child)  # nothing shared yet
    ParentRelease.objects.create(school=world.school, point=report_round.point)
    assert "Number sense group" in _page(client, child)
    # Support that started after the update was shared waits for the next one.
    today = timezone.localdate()
    _intervention(world, [child], "Later group", start_date=today + timedelta(days=3))
    assert "Later group" not in _page(client, child)
    # Ended support is not current.
    _intervention(
        world,
        [child],
        "Old group",
        start_date=today - timedelta(days=90),
        end_date=today - timedelta(days=10),
        status="ended",
    )
    assert "Old group" not in _page(client, child)


def test_a_parent_never_sees_another_childs_provision(
    world: World, parent: User, released: ReportRound, client_for
) -> None:
    _backdate_release(released)
    child, other = world.pupils_a[0], world.pupils_a[1]
    _intervention(world, [other], "Someone else's group")
    _intervention(world, [child, other], "Shared group")
    _switch(world, show_support=True)
    client = client_for(parent)
    html = _page(client, child)
    assert "Shared group" in html and "Someone else's group" not in html
    assert other.first_name not in html or other.first_name == child.first_name
    assert client.get(reverse("parents:child", args=[other.pk])).status_code == 404
    # Another child's parent reaches nothing of this child.
    stranger = make_parent(world.school, [world.pupils_b[0]], "parent-b")
    assert client_for(stranger).get(reverse("parents:child", args=[child.pk])).status_code == 404


def test_staff_preview_shows_the_support_as_parents_see_it(
    world: World, released: ReportRound, client_for
) -> None:
    _backdate_release(released)
    child = world.pupils_a[0]
    _intervention(world, [child], "Number sense group")
    _switch(world, show_support=True)
    html = (
        client_for(world.users["senco"])
        .get(reverse("parents:preview", args=[child.pk]))
        .content.decode()
    )
    assert "exactly what" in html and "Number sense group" in html
    assert "Staff only" not in html
