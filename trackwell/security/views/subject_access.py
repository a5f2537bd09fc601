"""Subject access: everything held about one pupil, as a readable page and as JSON."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User, log_action
from trackwell.pupils.models import Pupil
from trackwell.security import pupil_data


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Find a pupil (leavers included) by name or UPN."""
    user = _user(request)
    school = access.school_of(user)
    if not access.can_export_subject_access(user):
        raise PermissionDenied("Subject access exports are for leaders, admins and SENCOs.")
    query = request.GET.get("q", "").strip()[:100]
    pupils = Pupil.objects.filter(school=school)
    if query:
        pupils = pupils.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(upn__iexact=query)
        )
    return render(
        request,
        "security/subject_access_index.html",
        {"pupils": pupils.order_by("last_name", "first_name")[:200], "query": query},
    )


@require_safe
@login_required
def pupil(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """The export for one pupil; `?format=json` downloads it. Every export is logged."""
    user = _user(request)
    subject = access.get_subject_access_pupil_for_user(user, pupil_id)
    data = pupil_data.export(subject)
    as_json = request.GET.get("format") == "json"
    log_action(
        school=subject.school,
        user=user,
        action="privacy.subject_access_export",
        obj=subject,
        new={"format": "json" if as_json else "page"},
    )
    if as_json:
        response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = (
            f'attachment; filename="subject-access-pupil-{subject.pk}.json"'
        )
        return response
    sections = [
        {
            **section,
            "columns": list(section["rows"][0]) if section["rows"] else [],
            "cells": [
                [
                    json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                    for v in row.values()
                ]
                for row in section["rows"]
            ],
        }
        for section in data["sections"]
    ]
    return render(
        request,
        "security/subject_access.html",
        {"pupil": subject, "data": data, "sections": sections},
    )
