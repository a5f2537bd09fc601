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
