"""Leavers' records out: the CTF and the objective-level transition record; records received."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from trackwell.accounts import access
from trackwell.accounts.models import User, log_action
from trackwell.core.ids import parse_ids
from trackwell.interop.ctf import write_ctf
from trackwell.interop.models import TransitionRecord
from trackwell.interop.transition import dumps, export_records
from trackwell.pupils.models import Pupil

GET = ["GET", "HEAD"]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_http_methods(GET)
@login_required
def leavers(request: HttpRequest) -> HttpResponse:
    """Pupils who have left, newest first, with their CTF and transition record to download."""
    school = access.imports_school(_user(request))
    pupils = Pupil.objects.filter(school=school, left_on__isnull=False).order_by(
        "-left_on", "last_name", "first_name"
    )
    return render(
        request, "interop/leavers.html", {"pupils": pupils[:500], "total": pupils.count()}
    )


def _chosen(request: HttpRequest) -> tuple[list[Pupil], User]:
    user = _user(request)
    school = access.imports_school(user)
    # Every id must be one (5,000 digits or one past the 64-bit range is "no such pupil").
    ids = parse_ids(request.GET.getlist("pupil"))
    if not ids:
        raise Http404("Choose leavers of your school.")
    pupils = list(Pupil.objects.filter(school=school, pk__in=ids, left_on__isnull=False))
    if len(pupils) != len(set(ids)):
        raise Http404("Choose leavers of your school.")
    return pupils, user


@require_http_methods(GET)
@login_required
def leavers_ctf(request: HttpRequest) -> HttpResponse:
    """A CTF of the chosen leavers (XML download); the export is in the audit log."""
    pupils, user = _chosen(request)
    school = access.school_of(user)
    data = write_ctf(school, pupils)
    for pupil in pupils:
        log_action(school=school, user=user, action="ctf.export", obj=pupil)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ctf-{stamp}.xml"'
    return response


@require_http_methods(GET)
@login_required
def leavers_transition(request: HttpRequest) -> HttpResponse:
    """The chosen leavers' transition records (JSON download, one list)."""
    pupils, user = _chosen(request)
    records = export_records(user, access.school_of(user), pupils)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(dumps(records), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="transition-records-{stamp}.json"'
    return response


@require_http_methods(GET)
@login_required
def received(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """The transition records received for a pupil, as their last school wrote them."""
    user = _user(request)
    school = access.imports_school(user)
    try:
        pupil = Pupil.objects.get(pk=pupil_id, school=school)
    except Pupil.DoesNotExist as exc:
        raise Http404("No such pupil") from exc
    records = TransitionRecord.objects.filter(pupil=pupil, school=school)
    return render(request, "interop/transition_received.html", {"pupil": pupil, "records": records})
