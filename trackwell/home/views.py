"""The home page: one per role, saying what to do next.

Teachers see their grids to fill, bands to confirm, actions and meetings;
leaders the state of the point across the school; SENCOs provision to review;
teaching assistants their groups; governors the summaries they may see; trust
leaders their schools. No page ranks or compares teachers.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.accounts.models import Role, User
from trackwell.curriculum.models import Subject
from trackwell.meetings.models import Action
from trackwell.meetings.provision_link import get_link
from trackwell.meetings.queries import open_actions_for, upcoming_for

from . import queries

SEARCH_LIMIT = 30


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page for the user's role."""
    user = _user(request)
    if access.is_trust_leader(user):
        return render(
            request,
            "home/trust.html",
            {"trust": access.trust_of(user), "schools": list(access.trust_schools(user))},
        )
    if access.is_parent(user):
        return redirect("parents:home")
    if user.school_id is None:
        # An account made with createsuperuser, before anyone gives it a school.
        return render(request, "home/no_school.html", {})
    if not access.sees_pupils(user):
        return _governor(request, user)
    today = timezone.localdate()
    school = access.school_of(user)
    year = queries.school_year(school.pk)
    point = year.point if year else None
    mine, others, editable = queries.classes_of(user)
    context: dict[str, Any] = {
        "today": today,
        "year": year,
        "point": point,
        "my_classes": mine,
        "other_classes": others,
        "editable": editable,
        "subjects": list(Subject.objects.filter(school_id=school.pk)),
        "actions": open_actions_for(user),
        "action_statuses": Action.Status.choices,
        "upcoming": upcoming_for(user, today),
        "back": request.path,
    }
    if user.role in access.WHOLE_SCHOOL_EDIT:
        classes = mine + others
        context.update(
            completion=queries.completion(classes, point, school.pk),
            headlines=queries.headlines(school, year, suppress=False),
            meetings_due=queries.meetings_due(user, today),
            awaiting_follow_up=queries.held_awaiting_follow_up(user),
        )
        return render(request, "home/leader.html", context)
    if user.role == Role.SENCO:
        context.update(senco=get_link().senco_items(school.pk, today))
        return render(request, "home/senco.html", context)
    if user.role == Role.TA:
        groups, sessions = get_link().ta_groups(user, today)
        context.update(groups=groups, sessions=sessions)
        return render(request, "home/ta.html", context)
    context.update(completion=queries.completion(mine, point, school.pk))
    return render(request, "home/teacher.html", context)


def _governor(request: HttpRequest, user: User) -> HttpResponse:
    school = access.school_of(user)
    year = queries.school_year(school.pk)
    return render(
        request,
        "home/governor.html",
        {
            "school": school,
            "year": year,
            "headlines": queries.headlines(school, year, suppress=True)
            if access.sees_aggregates(user)
            else [],
        },
    )


@require_safe
@login_required
def pupil_search(request: HttpRequest) -> HttpResponse:
    """Find a pupil by name or UPN among those the user may see."""
    user = _user(request)
    if not access.sees_pupils(user):
        raise Http404("No such page")
    q = " ".join(str(request.GET.get("q", "")).split())[:100]
    pupils = []
    if q:
        qs = access.visible_pupils(user)
        for word in q.split()[:4]:
            qs = qs.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(upn__iexact=word)
            )
        pupils = list(qs.order_by("last_name", "first_name", "pk")[: SEARCH_LIMIT + 1])
    return render(
        request,
        "home/search.html",
        {"q": q, "pupils": pupils[:SEARCH_LIMIT], "more": len(pupils) > SEARCH_LIMIT},
    )
