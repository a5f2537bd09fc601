"""Closing a point asks first (its date, unconfirmed bands); reopening needs a reason."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.services import PointStateError, close_point, reopen_point
from trackwell.core.models import AssessmentPoint

pytestmark = pytest.mark.django_db


def test_confirmation_warns_of_a_future_date_and_counts_unconfirmed(
    world: World, client_for, settings
) -> None:
    create_default_bands(world.school)
    autumn = world.year.assessment_points.get()
    AssessmentPoint.objects.filter(pk=autumn.pk).update(date=dt.date(2027, 6, 1))
    client = client_for(world.users["admin"])
    page = client.get(reverse("report-point-close-confirm", args=[autumn.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "1 June 2027" in body and "days from now" in body
    # 8 pupils with two band sets (attainment and progress, where progress applies) unconfirmed.
    assert "still unconfirmed (0 confirmed)" in body
    assert client.get(reverse("report-points")).content.decode().count("date still to come") == 1


def test_confirmation_page_is_for_managers_only(world: World, client_for, other_world) -> None:
    autumn = world.year.assessment_points.get()
    url = reverse("report-point-close-confirm", args=[autumn.pk])
    for role in ["teacher", "ta", "senco", "governor", "other_teacher"]:
        assert client_for(world.users[role]).get(url).status_code == 404
    assert client_for(world.users["leader"]).get(url).status_code == 200
    assert client_for(other_world.users["admin"]).get(url).status_code == 404
    assert client_for(world.users["admin"]).post(url).status_code == 405


def test_reopen_requires_a_reason_and_logs_it(world: World) -> None:
    autumn = world.year.assessment_points.get()
    close_point(user=world.users["leader"], point=autumn)
    with pytest.raises(PointStateError):
        reopen_point(user=world.users["leader"], point=autumn, reason="  ")
    reopen_point(user=world.users["leader"], point=autumn, reason="Moderation moved a week")
    entry = AuditEntry.objects.filter(action="assessment_point.reopen").get()
    assert entry.new is not None and entry.new["reason"] == "Moderation moved a week"
