"""Writing reports: autosave with versions, conflicts with both texts, one pupil after another."""

import pytest
from django.urls import reverse

from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.printed.models import ReportComment, ReportEntry, ReportRound

pytestmark = pytest.mark.django_db


def _save(client, report_round, pupil, field, text, version):
    return client.post(
        reverse("printed:save", args=[report_round.pk, pupil.pk]),
        {"field": field, "text": text, "version": version},
        HTTP_ACCEPT="application/json",
    )


def test_a_comment_saves_then_a_stale_save_is_a_conflict_with_both_texts(
    world: World, report_round: ReportRound, client_for
) -> None:
    pupil = world.pupils_a[0]
    field = f"subject-{world.maths.pk}"
    teacher = client_for(world.users["teacher"])
    first = _save(teacher, report_round, pupil, field, "Adds with confidence.", 0)
    assert first.status_code == 200
    assert first.json() == {"saved": True, "version": 1}
    second = _save(teacher, report_round, pupil, field, "Adds and subtracts.", 1)
    assert second.json()["version"] == 2
    # A leader who opened the page before either save writes over nothing.
    stale = _save(client_for(world.users["leader"]), report_round, pupil, field, "Mine", 0)
    assert stale.status_code == 409
    body = stale.json()
    assert body["fields"][0]["yours"] == "Mine"
    assert body["fields"][0]["theirs"] == "Adds and subtracts."
    comment = ReportComment.objects.get(round=report_round, pupil=pupil, subject=world.maths)
    assert comment.text == "Adds and subtracts." and comment.version == 2
    assert AuditEntry.objects.filter(action="report.comment").count() == 2


def test_general_comment_and_attendance_share_one_version(
    world: World, report_round: ReportRound, client_for
) -> None:
    pupil = world.pupils_a[0]
    teacher = client_for(world.users["teacher"])
    assert _save(teacher, report_round, pupil, "general", "Kind.", 0).json()["version"] == 1
    assert _save(teacher, report_round, pupil, "sessions_possible", "120", 1).status_code == 200
    bad = _save(teacher, report_round, pupil, "sessions_attended", "lots", 2)
    assert bad.status_code == 400
    assert "not a number" in bad.json()["message"]
    over = _save(teacher, report_round, pupil, "sessions_attended", "130", 2)
    assert over.status_code == 400
    assert "more than the possible sessions" in over.json()["message"]
    entry = ReportEntry.objects.get(round=report_round, pupil=pupil)
    assert (entry.general, entry.sessions_possible, entry.sessions_attended) == ("Kind.", 120, None)


def test_only_those_who_edit_the_class_write_its_reports(
    world: World, report_round: ReportRound, client_for
) -> None:
    pupil = world.pupils_a[0]
    field = f"subject-{world.maths.pk}"
    for role, status in [("other_teacher", 403), ("ta", 403), ("senco", 403), ("governor", 404)]:
        response = _save(client_for(world.users[role]), report_round, pupil, field, "x", 0)
        assert response.status_code == status, role
    assert not ReportComment.objects.exists()


def test_the_writing_page_goes_from_one_pupil_to_the_next_without_a_script(
    world: World, report_round: ReportRound, client_for
) -> None:
    teacher = client_for(world.users["teacher"])
    url = reverse("printed:write", args=[report_round.pk, world.class_a.pk])
    page = teacher.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    ordered = sorted(world.pupils_a, key=lambda p: (p.last_name, p.first_name, p.pk))
    first, second = ordered[0], ordered[1]
    assert f'{first.full_name} <span class="muted">(1 of {len(ordered)}' in html
    assert 'data-nav="next"' in html and "Strengths" in html and "Next steps" in html
    response = teacher.post(
        url,
        {
            "pupil": first.pk,
            f"subject-{world.maths.pk}": "Counts in tens.",
            f"subject-{world.maths.pk}-version": "0",
            "general": "A joy to teach.",
            "entry-version": "0",
            "sessions_possible": "",
            "sessions_attended": "",
            "unauthorised_absences": "",
            "next": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?pupil={second.pk}")
    assert ReportComment.objects.get(pupil=first).text == "Counts in tens."
    # The same form sent again from a stale page shows both texts, status 409.
    stale = teacher.post(
        url,
        {
            "pupil": first.pk,
            f"subject-{world.maths.pk}": "Something else.",
            f"subject-{world.maths.pk}-version": "0",
        },
    )
    assert stale.status_code == 409
    assert "Counts in tens." in stale.content.decode()
    assert ReportComment.objects.get(pupil=first).text == "Counts in tens."


def test_a_read_only_teacher_cannot_open_the_writing_page(
    world: World, report_round: ReportRound, client_for
) -> None:
    url = reverse("printed:write", args=[report_round.pk, world.class_a.pk])
    assert client_for(world.users["other_teacher"]).get(url).status_code == 403
