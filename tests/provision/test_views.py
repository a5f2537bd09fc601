"""Provision pages doing their work: plans, conflicts, values, gaps, exports, suppression."""

import csv
import io
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.analysis.helpers import judge, teach
from tests.provision.conftest import Provision
from trackwell.provision import builtin, from_gaps, services
from trackwell.provision.models import Intervention, Outcome, ParticipantMeasure, Status

pytestmark = pytest.mark.django_db


def _plan_form(p: Provision, **extra: object) -> dict:
    data = {
        "name": "Handwriting group",
        "area": "sensory",
        "status": "planned",
        "adults": 1,
        "group_size": 4,
        "sessions_per_week": "2",
        "minutes_per_session": 20,
        "weeks": 6,
        "start_date": "2026-11-09",
        "resources_cost": "12.50",
        "staff_0": str(p.world.users["ta"].pk),
        "rate_0": "14.00",
        "fund_pupil_premium": 100,
    }
    data.update(extra)
    return data


def test_senco_plans_an_intervention(provision: Provision, client_for) -> None:
    client = client_for(provision.world.users["senco"])
    response = client.post(reverse("provision:intervention-new"), _plan_form(provision))
    assert response.status_code == 302
    made = Intervention.objects.get(name="Handwriting group")
    assert made.staff.get().hourly_rate == 14 and made.funding.get().percent == 100
    page = client.get(response["Location"])
    assert b"Handwriting group" in page.content and b"Record a session" in page.content


def test_bad_plan_names_the_problem(provision: Provision, client_for) -> None:
    client = client_for(provision.world.users["senco"])
    response = client.post(
        reverse("provision:intervention-new"),
        _plan_form(provision, fund_pupil_premium=60, weeks=0),
    )
    assert response.status_code == 400
    assert b"add up to 60%" in response.content
    assert b"Ensure this value is greater than or equal to 1" in response.content


def test_edit_conflict_shows_both_values(provision: Provision, client_for) -> None:
    group = provision.group_a
    url = reverse("provision:intervention-edit", args=[group.pk])
    client = client_for(provision.world.users["senco"])
    seen = group.version
    form = _plan_form(
        provision, name=group.name, area="academic", version=seen, minutes_per_session=25
    )
    assert client.post(url, form).status_code == 302
    form["minutes_per_session"] = 40
    response = client.post(url, form)
    assert response.status_code == 409
    assert b"was changed" in response.content
    group.refresh_from_db()
    assert group.minutes_per_session == 25


def test_assistant_records_values_and_outcome(provision: Provision, client_for) -> None:
    p = provision.participant_a
    wellbeing = services.ensure_builtin_measures(provision.world.school)[builtin.WELLBEING]
    client = client_for(provision.world.users["ta"])
    url = reverse("provision:participant", args=[p.pk])
    page = client.get(url)
    assert b"Outspoken signs of distress" in page.content  # the Leuven descriptors, shown
    data = {
        "what": "values",
        "version": p.version,
        f"entry_{wellbeing.pk}": "2",
        f"target_{wellbeing.pk}": "+2",
        f"exit_{wellbeing.pk}": "4",
    }
    assert client.post(url, data).status_code == 302
    row = ParticipantMeasure.objects.get(participant=p, measure=wellbeing)
    assert (row.entry_value, row.exit_value, row.outcome) == (2, 4, Outcome.MET)
    # The same form again, with the version seen before: a conflict, nothing changed.
    data[f"exit_{wellbeing.pk}"] = "3"
    response = client.post(url, data)
    assert response.status_code == 409
    row.refresh_from_db()
    assert row.exit_value == 4


def test_bad_value_is_400_and_names_the_measure(provision: Provision, client_for) -> None:
    p = provision.participant_a
    wellbeing = services.ensure_builtin_measures(provision.world.school)[builtin.WELLBEING]
    client = client_for(provision.world.users["ta"])
    response = client.post(
        reverse("provision:participant", args=[p.pk]),
        {"what": "values", "version": p.version, f"entry_{wellbeing.pk}": "9"},
    )
    assert response.status_code == 400
    assert b"Leuven scale of well-being, entry" in response.content
    assert b"not a step" in response.content


def test_teacher_turns_a_shared_gap_into_an_intervention(provision: Provision, client_for) -> None:
    world = provision.world
    objs = world.objectives[2:4]
    teach(world, objs)
    when = timezone.make_aware(datetime(2026, 9, 2, 10))
    judge(world, world.pupils_a[0], objs[0], "2", at=when)
    client = client_for(world.users["teacher"])
    url = reverse("provision:from-gap", args=[world.class_a.pk, "maths"])
    page = client.get(url)
    assert objs[0].code.encode() in page.content
    response = client.post(url, {"objectives": [o.pk for o in objs], "weeks": 4})
    assert response.status_code == 302
    made = Intervention.objects.get(school=world.school, created_by=world.users["teacher"])
    # Every pupil not secure in either objective: all five of the class.
    assert made.participants.count() == 5
    assert list(made.objectives.order_by("pk")) == sorted(objs, key=lambda o: o.pk)
    grid = services.grid_measure(world.school)
    entry = ParticipantMeasure.objects.get(
        participant__intervention=made, participant__pupil=world.pupils_a[0], measure=grid
    )
    assert entry.entry_value == 1 and entry.entry_detail["from"] == "grid"
    # The teacher who planned it may change it; the assistant of the class may not.
    assert client.get(reverse("provision:intervention-edit", args=[made.pk])).status_code == 200
    # Ending it reads the exit from the grid.
    judge(world, world.pupils_a[1], objs[0], "2")
    made.refresh_from_db()
    response = client.post(
        reverse("provision:intervention-action", args=[made.pk, "stop"]), {"version": made.version}
    )
    assert response.status_code == 302
    exit_row = ParticipantMeasure.objects.get(
        participant__intervention=made, participant__pupil=world.pupils_a[1], measure=grid
    )
    assert exit_row.exit_value == 1 and exit_row.outcome == Outcome.PARTLY
    assert Intervention.objects.get(pk=made.pk).status == Status.ENDED


def test_export_csv_has_the_layout(provision: Provision, client_for) -> None:
    client = client_for(provision.world.users["senco"])
    response = client.get(reverse("provision:map") + "?export=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Intervention", "Area of need", "Ratio", "Frequency and duration"]
    assert any(r[0] == "Number sense group" and r[13] == "Leuven scale of well-being" for r in rows)
    assert client.get(reverse("provision:map") + "?export=pdf").status_code == 404


def test_class_map_shows_only_its_pupils_and_its_strategies(
    provision: Provision, client_for
) -> None:
    world = provision.world
    client = client_for(world.users["leader"])
    page = client.get(reverse("provision:class-map", args=[world.class_b.pk])).content.decode()
    assert "Talk boost" in page and "Number sense group" not in page
    page_a = client.get(reverse("provision:class-map", args=[world.class_a.pk])).content.decode()
    assert "Word banks" in page_a and world.pupils_b[0].full_name not in page_a


def test_filters(provision: Provision, client_for) -> None:
    client = client_for(provision.world.users["senco"])
    page = client.get(reverse("provision:map"), {"area": "communication"}).content.decode()
    assert "Talk boost" in page and "Number sense group" not in page
    page = client.get(reverse("provision:map"), {"funding": "pupil_premium"}).content.decode()
    assert "Number sense group" in page and "Talk boost" not in page
    page = client.get(
        reverse("provision:map"), {"staff": provision.world.users["ta"].pk}
    ).content.decode()
    assert "Number sense group" in page and "Talk boost" not in page
    page = client.get(reverse("provision:map"), {"term": "spring"}).content.decode()
    assert "No interventions match these filters" in page
    assert client.get(reverse("provision:map"), {"staff": "x", "area": "<b>"}).status_code == 200


def test_governor_sees_small_groups_suppressed(provision: Provision, client_for) -> None:
    world = provision.world
    governor = (
        client_for(world.users["governor"]).get(reverse("provision:summary")).content.decode()
    )
    # Three pupils in academic provision and one in communication: both under five.
    assert "Fewer than 5 pupils: not shown" in governor
    assert world.pupils_a[0].full_name not in governor and "Number sense group" not in governor
    senco = client_for(world.users["senco"]).get(reverse("provision:summary")).content.decode()
    assert "Fewer than 5 pupils" not in senco


def test_pupil_page_lists_provision_and_history_prints(provision: Provision, client_for) -> None:
    world = provision.world
    client = client_for(world.users["teacher"])
    pupil = world.pupils_a[0]
    page = client.get(reverse("report-pupil", args=[pupil.pk])).content.decode()
    assert "Provision, past and present" in page and "Number sense group" in page
    history = client.get(reverse("provision:pupil-history", args=[pupil.pk])).content.decode()
    assert "costed provision history" in history and "Number sense group" in history
    assert "£" in history and "<script" not in history


def test_senco_overview_lists_sen_pupils_without_provision(
    provision: Provision, client_for
) -> None:
    world = provision.world
    pupil = world.pupils_b[2]
    pupil.sen_status = "K"
    pupil.save()
    page = client_for(world.users["senco"]).get(reverse("provision:senco")).content.decode()
    assert pupil.full_name in page
    assert world.users["ta"].display_name in page  # staff deployment: hours, not judgements


def test_budget_form(provision: Provision, client_for) -> None:
    client = client_for(provision.world.users["senco"])
    assert (
        client.post(reverse("provision:budget"), {"budget_pupil_premium": "£12,000"}).status_code
        == 302
    )
    page = client.get(reverse("provision:senco")).content.decode()
    assert "12000" in page
    response = client.post(reverse("provision:budget"), {"budget_top_up": "lots"}, follow=True)
    assert "Enter a number" in response.content.decode()


def test_teacher_adds_only_their_own_pupils(provision: Provision, client_for) -> None:
    world = provision.world
    made = from_gaps.create_from_gap_group(
        user=world.users["teacher"],
        school_class=world.class_a,
        objective_ids=[world.objectives[0].pk],
        pupil_ids=[world.pupils_a[0].pk],
    )
    client = client_for(world.users["teacher"])
    url = reverse("provision:participant-add", args=[made.pk])
    client.post(url, {"pupil": world.pupils_b[0].pk})
    assert not made.participants.filter(pupil=world.pupils_b[0]).exists()
    client.post(url, {"pupil": world.pupils_a[1].pk})
    assert made.participants.filter(pupil=world.pupils_a[1]).exists()


def test_only_managers_mark_evaluated(provision: Provision, client_for) -> None:
    world = provision.world
    made = from_gaps.create_from_gap_group(
        user=world.users["teacher"],
        school_class=world.class_a,
        objective_ids=[world.objectives[0].pk],
        pupil_ids=[world.pupils_a[0].pk],
    )
    form = _plan_form(
        provision, name=made.name, area="academic", status="evaluated", version=made.version
    )
    response = client_for(world.users["teacher"]).post(
        reverse("provision:intervention-edit", args=[made.pk]), form
    )
    assert response.status_code == 400
    made.refresh_from_db()
    assert made.status != Status.EVALUATED


def test_map_page_queries_constant_as_interventions_grow(provision: Provision, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = provision.world
    client = client_for(world.users["senco"])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("provision:map")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(5):
        from_gaps.create_from_gap_group(
            user=None,
            school_class=world.class_a,
            objective_ids=[world.objectives[n % 4].pk],
            pupil_ids=[p.pk for p in world.pupils_a[: 2 + n % 3]],
            name=f"Extra {n}",
        )
    assert count() == before


def test_budget_changed_meanwhile_is_shown_not_overwritten(
    provision: Provision, client_for
) -> None:
    from trackwell.provision.models import ProvisionBudget

    url = reverse("provision:budget")
    first = client_for(provision.world.users["senco"])
    second = client_for(provision.world.users["leader"])
    first.post(url, {"budget_pupil_premium": "10000", "seen_pupil_premium": ""})
    response = second.post(
        url, {"budget_pupil_premium": "8000", "seen_pupil_premium": ""}, follow=True
    )
    page = response.content.decode()
    assert "yours £8000" in page and "saved now £10000" in page
    assert ProvisionBudget.objects.get(source="pupil_premium").amount == 10000


def test_session_recorded_by_mistake_can_be_removed(provision: Provision, client_for) -> None:
    from trackwell.accounts.models import AuditEntry
    from trackwell.provision.models import Session

    session = Session.objects.get(intervention=provision.group_a)
    url = reverse("provision:session", args=[provision.group_a.pk])
    client = client_for(provision.world.users["ta"])
    stale = client.post(url, {"date": "2026-11-03", "remove": "1", "version": session.version + 5})
    assert stale.status_code == 409
    done = client.post(url, {"date": "2026-11-03", "remove": "1", "version": session.version})
    assert done.status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()
    entry = AuditEntry.objects.get(action="provision.session.delete")
    assert entry.old is not None and entry.old["present"] == [provision.participant_a.pk]
