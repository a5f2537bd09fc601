"""Framework imports in the web app: upload, preview with every change and error, confirm."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.curriculum.framework_spec import StalePlan
from trackwell.interop import services
from trackwell.interop.forms import ImportForm

GET_POST = ["GET", "HEAD", "POST"]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_http_methods(GET_POST)
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or CASE file; a file with problems lists every one and saves nothing."""
    user = _user(request)
    school = access.curriculum_school(user, edit=True)
    form = ImportForm(request.POST or None, request.FILES or None, school_id=school.pk)
    errors: list[str] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload_file = data["file"]
        staged = services.stage_import(
            user=user,
            school=school,
            kind=data["kind"],
            filename=upload_file.name or "",
            data=upload_file.read(),
            options={
                "scale_id": data["scale"].pk if data["scale"] else None,
                "subject": data["subject"],
                "year": data["year"],
            },
        )
        if staged.pending is not None:
            return HttpResponseRedirect(
                reverse("curriculum-import-preview", args=[staged.pending.pk])
            )
        errors = staged.errors
        status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "interop/upload.html", {"form": form, "errors": errors}, status=status)


@require_http_methods(GET_POST)
@login_required
def preview(request: HttpRequest, pending_id: int) -> HttpResponse:
    """What the upload would create, change and archive; confirm to write it all at once."""
    user = _user(request)
    pending = access.get_pending_import_for_user(user, pending_id)
    if request.method == "POST":
        try:
            done = services.commit_import(
                user=user, pending=pending, digest=request.POST.get("digest") or None
            )
        except StalePlan as exc:
            messages.warning(request, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                messages.warning(request, message)
        else:
            changed = sum(len(plan.changes) for _, plan in done)
            messages.success(
                request,
                f"Imported {len(done)} framework(s): {changed} change(s)."
                if changed
                else "Nothing to change: the curriculum already matches this file.",
            )
            if len(done) == 1:
                return HttpResponseRedirect(reverse("curriculum-framework", args=[done[0][0].pk]))
            return HttpResponseRedirect(reverse("curriculum-index"))
    try:
        plans = services.plans_for(pending)
    except ValidationError as exc:
        plans = []
        for message in exc.messages:
            messages.warning(request, message)
    return render(
        request,
        "interop/preview.html",
        {
            "pending": pending,
            "plans": plans,
            "digest": services.combined_digest(plans),
            "errors": [e for p in plans for e in p.errors],
            "total": sum(len(p.changes) for p in plans),
        },
    )
