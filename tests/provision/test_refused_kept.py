"""An intervention's page refusing one of its forms says why at the top and keeps what
was typed (a long evaluation, a pupil's target), rather than a redirect that loses it."""

import re

import pytest
from django.urls import reverse

from tests.markup import id_problems
from tests.provision.conftest import Provision
from trackwell.provision.models import Participant

pytestmark = pytest.mark.django_db

EVALUATION = "Five of six pupils now count on in tens.\nTwo still need concrete apparatus."


def _refused(response, why: str) -> str:
    assert response.status_code == 400
    page = response.content.decode()
    summary = re.search(r'<div class="error-summary" role="alert">.*?</div>', page, re.S)
    assert summary and why in summary.group(0)
    assert id_problems(page) == []
    return page


def test_an_evaluation_refused_is_kept_to_copy(provision: Provision, client_for) -> None:
    group = provision.group_a  # running, not ended: not yet to be evaluated
    url = reverse("provision:intervention-action", args=[group.pk, "evaluate"])
    sent = client_for(provision.world.users["senco"]).post(
        url, {"version": group.version, "evaluation": EVALUATION}
    )
    page = _refused(sent, "End the intervention before evaluating it.")
    # The evaluation form is not offered while it runs: the text is in the summary.
    assert "Five of six pupils now count on in tens.<br>Two still need concrete apparatus." in page
    group.refresh_from_db()
    assert group.evaluation == ""


def test_an_extension_refused_keeps_its_weeks_and_reason(provision: Provision, client_for) -> None:
    group = provision.group_a
    url = reverse("provision:intervention-action", args=[group.pk, "extend"])
    before = group.weeks
    sent = client_for(provision.world.users["senco"]).post(
        url, {"version": group.version, "weeks": 60, "reason": "Absence over Christmas"}
    )
    page = _refused(sent, "Extend by between 1 and 52 weeks.")
    assert re.search(r'id="ext-weeks"[^>]*value="60"', page)
    assert re.search(r'id="ext-reason"[^>]*value="Absence over Christmas"', page)
    # Only the form that was sent: the end form's reason is left empty.
    assert not re.search(r'id="stop-reason"[^>]*value=', page)
    group.refresh_from_db()
    assert group.weeks == before


def test_adding_a_pupil_already_in_the_group_keeps_the_target(
    provision: Provision, client_for
) -> None:
    group = provision.group_a
    pupil = provision.participant_a.pupil
    url = reverse("provision:participant-add", args=[group.pk])
    before = Participant.objects.filter(intervention=group).count()
    sent = client_for(provision.world.users["senco"]).post(
        url,
        {"pupil": pupil.pk, "target": "Count in tens to 100", "success_criteria": "Unaided"},
    )
    page = _refused(sent, f"{pupil.full_name} is already in this intervention.")
    assert re.search(r'id="add-target"[^>]*value="Count in tens to 100"', page)
    assert re.search(r'id="add-criteria"[^>]*value="Unaided"', page)
    assert Participant.objects.filter(intervention=group).count() == before


def test_a_gap_group_refused_keeps_its_ticks_and_numbers(provision: Provision, client_for) -> None:
    from tests.analysis.helpers import teach

    world = provision.world
    objective = world.objectives[4]
    teach(world, [objective])
    url = reverse("provision:from-gap", args=[world.class_a.pk, world.maths.slug])
    client = client_for(world.users["senco"])
    assert f'value="{objective.pk}"' in client.get(url).content.decode()
    pupil = world.pupils_a[0]
    before = _interventions(world).count()
    sent = client.post(
        url,
        {
            "objectives": [objective.pk],
            "pupils": [pupil.pk],
            "name": "Place value catch-up",
            "sessions_per_week": 0,
            "weeks": 8,
        },
    )
    page = _refused(sent, "Sessions per week must be between 0.5 and 25.")
    assert re.search(rf'name="objectives" value="{objective.pk}" checked', page)
    assert re.search(rf'name="pupils" value="{pupil.pk}" checked', page)
    assert re.search(r'id="g-name"[^>]*value="Place value catch-up"', page)
    assert re.search(r'id="g-weeks"[^>]*value="8"', page)
    assert _interventions(world).count() == before


def _interventions(world):
    from trackwell.provision.models import Intervention

    return Intervention.objects.filter(school=world.school)


def test_a_strategy_refused_keeps_what_was_typed(provision: Provision, client_for) -> None:
    from trackwell.provision.models import ClassroomStrategy

    world = provision.world
    url = reverse("provision:strategy-add", args=[world.class_a.pk])
    pupil = world.pupils_a[1]
    before = ClassroomStrategy.objects.count()
    sent = client_for(world.users["teacher"]).post(
        url,
        {
            "title": "   ",
            "description": "Sits near the board with a word mat",
            "area": "sensory",
            "pupil": pupil.pk,
        },
    )
    assert sent.status_code == 400
    page = sent.content.decode()
    summary = re.search(
        r'<div class="error-summary" role="alert" id="st-refused">(.*?)</div>', page, re.S
    )
    assert summary and "Name the strategy, for example &#x27;Word bank&#x27;." in summary.group(1)
    assert re.search(r'id="st-desc"[^>]*value="Sits near the board with a word mat"', page)
    assert '<option value="sensory" selected>' in page
    assert f'<option value="{pupil.pk}" selected>' in page
    assert '<details class="no-print" open>' in page
    assert id_problems(page) == []
    assert ClassroomStrategy.objects.count() == before


def test_a_refusal_keeps_the_version_seen_so_a_change_meanwhile_is_still_a_conflict(
    provision: Provision, client_for
) -> None:
    group = provision.group_a
    url = reverse("provision:intervention-action", args=[group.pk, "extend"])
    seen = group.version
    # A leader extends it meanwhile.
    leader = client_for(provision.world.users["leader"])
    assert leader.post(url, {"version": seen, "weeks": 2, "reason": "Snow"}).status_code == 302
    senco = client_for(provision.world.users["senco"])
    page = _refused(
        senco.post(url, {"version": seen, "weeks": 60, "reason": "Absence"}),
        "Extend by between 1 and 52 weeks.",
    )
    # The extend form drawn again carries the version the SENCO saw, not the new one.
    form = re.search(r'action="[^"]*/extend/"[^>]*>.*?</form>', page, re.S)
    assert form
    carried = re.search(r'name="version" value="([^"]*)"', form.group(0))
    assert carried and carried.group(1) == str(seen)
    # Sent again from that form, corrected: still a conflict with the leader's change.
    sent = senco.post(url, {"version": carried.group(1), "weeks": 3, "reason": "Absence"})
    assert sent.status_code == 409


def test_only_the_senco_or_a_leader_evaluates(provision: Provision, client_for) -> None:
    from trackwell.provision.models import Intervention

    group = provision.group_a
    world = provision.world
    # A teacher who planned it may change it, but the evaluation is the SENCO's or a leader's.
    Intervention.objects.filter(pk=group.pk).update(created_by=world.users["teacher"])
    stop = reverse("provision:intervention-action", args=[group.pk, "stop"])
    teacher = client_for(world.users["teacher"])
    assert teacher.post(stop, {"version": group.version}).status_code == 302
    group.refresh_from_db()
    url = reverse("provision:intervention-action", args=[group.pk, "evaluate"])
    sent = teacher.post(url, {"version": group.version, "evaluation": EVALUATION})
    assert sent.status_code == 403
    group.refresh_from_db()
    assert group.evaluation == ""
    leader = client_for(world.users["leader"])
    assert leader.post(url, {"version": group.version, "evaluation": EVALUATION}).status_code == 302
    group.refresh_from_db()
    assert group.evaluation.startswith("Five of six pupils")


def test_the_class_map_drawn_again_links_to_itself_and_downloads_nothing(
    provision: Provision, client_for
) -> None:
    world = provision.world
    url = reverse("provision:strategy-add", args=[world.class_a.pk])
    own = reverse("provision:class-map", args=[world.class_a.pk])
    client = client_for(world.users["teacher"])
    sent = client.post(url + "?export=csv", {"title": " "})
    assert sent.status_code == 400 and sent["Content-Type"].startswith("text/html")
    page = sent.content.decode()
    assert f'href="{own}?export=xlsx"' in page and f'href="{own}?export=csv"' in page
    assert re.search(rf'<form method="get" action="{own}"', page)
    assert client.get(own + "?export=csv").status_code == 200
