"""The home page: a user's classes and subjects, or a trust leader's schools."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.curriculum.models import Subject


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Classes the user can see, each with links to its subject grids."""
    user = request.user
    assert isinstance(user, User)
    if access.is_trust_leader(user):
        return render(
            request,
            "core/home_trust.html",
            {"trust": access.trust_of(user), "schools": list(access.trust_schools(user))},
        )
    if access.is_parent(user):
        return redirect("parents:home")
    if not access.sees_pupils(user):
        return render(request, "core/home_no_pupils.html", {})
    classes = list(
        access.visible_classes(user)
        .filter(year__is_current=True)
        .select_related("year")
        .order_by("nc_year", "name")
    )
    editable = set(access.editable_classes(user).values_list("pk", flat=True))
    mine = set(user.assignments.values_list("school_class_id", flat=True))
    subjects = list(Subject.objects.filter(school=access.school_of(user)))
    return render(
        request,
        "core/home.html",
        {
            "my_classes": [c for c in classes if c.pk in mine],
            "other_classes": [c for c in classes if c.pk not in mine],
            "editable": editable,
            "subjects": subjects,
        },
    )
