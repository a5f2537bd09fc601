"""Home pages by role: what to do next, counted right, in queries that do not grow."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.analysis.helpers import judge, objectives, teach
from tests.factories import World, make_pupils, make_world
from tests.meetings.conftest import MeetingWorld, build
from trackwell.meetings import decisions
from trackwell.meetings.models import Attendee, Meeting
from trackwell.provision import from_gaps
from trackwell.provision import services as provision
from trackwell.provision.services import StaffSpec
from trackwell.pupils.models import SchoolClass, StaffAssignment

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]


def _soon(mw: MeetingWorld) -> None:
    Meeting.objects.filter(point=mw.autumn).update(date=timezone.localdate() + timedelta(days=3))


def test_the_teacher_sees_grids_to_fill_bands_to_confirm_actions_and_meetings(
    mw: MeetingWorld, client_for
) -> None:
    _soon(mw)
    w = mw.w
    decisions.add_action(
        user=w.users["leader"],
        meeting=mw.meeting,
        owner=w.users["teacher"],
        due=timezone.localdate() + timedelta(days=20),
        description="Try the fluency starter",
    )
    page = client_for(w.users["teacher"]).get(reverse("home"))
    (todo,) = page.context["completion"]
    (maths,) = todo.subjects
    # Four objectives taught to class A; two are rated for every pupil.
    assert maths.unrated_objectives == 2
    # Autumn is closed, so spring is the open point: every pupil's band is still to confirm.
    assert page.context["point"].name == "Spring"
    assert maths.unconfirmed == len(w.pupils_a)
    html = page.content.decode()
    assert "2 objectives taught but not rated for every pupil" in html
    assert reverse("report-confirm", args=[w.class_a.pk, "maths"]) in html
    assert "Try the fluency starter" in html
    assert reverse("meetings:detail", args=[mw.meeting.pk]) in html
    # Someone else's action is not on this page.
    other = client_for(w.users["other_teacher"]).get(reverse("home")).content.decode()
    assert "Try the fluency starter" not in other


def test_the_leader_sees_completion_as_a_list_meetings_due_and_the_headline(
    mw: MeetingWorld, client_for
) -> None:
    _soon(mw)
    w = mw.w
    page = client_for(w.users["leader"]).get(reverse("home"))
    rows = page.context["completion"]
    # In year and name order, never sorted by how far each class has got.
    assert [r.school_class.name for r in rows] == ["3 Ash", "3 Oak"]
    oak = rows[1]
    assert oak.cells == 4 * len(w.pupils_a)
    assert oak.rated == 4 + 2 * (len(w.pupils_a) - 1)
    assert {m.pk for m in page.context["meetings_due"]} == set(
        Meeting.objects.filter(point=mw.autumn).values_list("pk", flat=True)
    )
    (headline,) = page.context["headlines"]
    assert headline.total == len(w.pupils_a) + len(w.pupils_b)
    html = page.content.decode()
    assert 'name="q"' in html and reverse("home:search") in html
    assert "not a comparison" in html


def test_pupil_search_finds_only_pupils_the_user_may_see(world: World, client_for) -> None:
    world.school.teachers_see_other_classes = False
    world.school.save()
    target = world.pupils_b[0]
    leader = client_for(world.users["leader"]).get(reverse("home:search"), {"q": target.last_name})
    assert [p.pk for p in leader.context["pupils"]] == [target.pk]
    teacher = client_for(world.users["teacher"]).get(
        reverse("home:search"), {"q": target.last_name}
    )
    assert teacher.context["pupils"] == []
    by_upn = client_for(world.users["leader"]).get(reverse("home:search"), {"q": target.upn})
    assert [p.pk for p in by_upn.context["pupils"]] == [target.pk]


def test_the_senco_sees_pupils_on_sen_support_without_provision(
    mw: MeetingWorld, client_for
) -> None:
    w = mw.w
    client = client_for(w.users["senco"])
    page = client.get(reverse("home"))
    assert [p.pk for p in page.context["senco"].sen_without_provision] == [mw.low.pk]
    intervention = from_gaps.create_from_pupil_gaps(
        user=w.users["senco"],
        pupil=mw.low,
        objective_ids=[objectives(w.framework)[1].pk],
        name="Catch-up",
        start_date=timezone.localdate() - timedelta(days=30),
        weeks=5,
    )
    page = client.get(reverse("home"))
    senco = page.context["senco"]
    assert senco.sen_without_provision == []
    assert [i.ref for i in senco.ending] == [intervention.pk]
    assert "Catch-up" in page.content.decode()


def test_the_teaching_assistant_sees_their_groups_and_todays_sessions(
    world: World, client_for
) -> None:
    ta = world.users["ta"]
    provision.create_intervention(
        user=world.users["senco"],
        school=world.school,
        name="Phonics catch-up",
        area="academic",
        start_date=timezone.localdate() - timedelta(days=7),
        status="running",
        staff=[StaffSpec(user_id=ta.pk)],
        pupil_ids=[world.pupils_a[0].pk],
    )
    page = client_for(ta).get(reverse("home"))
    assert [g.name for g in page.context["groups"]] == ["Phonics catch-up"]
    assert [s["group"].name for s in page.context["sessions"]] == ["Phonics catch-up"]


def test_the_governor_page_says_what_they_may_see_and_why_groups_are_hidden(
    mw: MeetingWorld, client_for
) -> None:
    page = client_for(mw.w.users["governor"]).get(reverse("home"))
    html = page.content.decode()
    assert "arrive with the school analysis pages" not in html
    assert "Why some groups are hidden" in html
    assert f"fewer than {mw.w.school.min_group_size} pupils" in html
    assert reverse("report-school") in html and reverse("report-groups") in html
    nav = html.split('<nav aria-label="Main menu">', 1)[1].split("</nav>", 1)[0]
    assert "My classes" not in nav and "Meetings" not in nav
    (headline,) = page.context["headlines"]
    assert not headline.hidden and "% of pupils in a band that meets expectations" in html
    mw.w.school.min_group_size = 20
    mw.w.school.save()
    html = client_for(mw.w.users["governor"]).get(reverse("home")).content.decode()
    assert "too few pupils to show" in html


def _grow(w: World, classes: int) -> None:
    """More classes with pupils, coverage, ratings, meetings and actions."""
    objs = objectives(w.framework)
    for n in range(classes):
        c = SchoolClass.objects.create(school=w.school, year=w.year, name=f"3 Extra{n}", nc_year=3)
        pupils = make_pupils(w.school, c, 12)
        teach(w, objs[:3], c)
        for p in pupils:
            judge(w, p, objs[0], "2")
        StaffAssignment.objects.create(school=w.school, user=w.users["teacher"], school_class=c)
        StaffAssignment.objects.create(school=w.school, user=w.users["ta"], school_class=c)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ROLES)
def test_home_queries_do_not_grow_with_the_school(db, client_for, role: str) -> None:
    small = build(make_world("Small Primary"))
    large = build(make_world("Large Primary"))
    _grow(large.w, 4)
    for mw in (small, large):
        meetings = list(Meeting.objects.filter(school=mw.w.school))
        for m in meetings:
            Attendee.objects.get_or_create(
                school=mw.w.school, meeting=m, user=mw.w.users["teacher"]
            )
            decisions.add_action(
                user=mw.w.users["leader"],
                meeting=m,
                owner=mw.w.users[role] if role != "governor" else mw.w.users["teacher"],
                due=timezone.localdate(),
                description="Follow up",
            )
    counts = [_count(client_for(mw.w.users[role]), reverse("home")) for mw in (small, large)]
    assert counts[0] == counts[1], counts


def test_an_account_without_a_school_gets_a_plain_page(db, client_for) -> None:
    from trackwell.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.org", "pw-123456789")
    page = client_for(admin).get(reverse("home"))
    assert page.status_code == 200
    assert "does not belong to a school yet" in page.content.decode()
