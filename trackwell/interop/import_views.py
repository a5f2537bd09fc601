"""The import pages every kind shares: upload, match the columns, preview, confirm."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.interop import pipeline
from trackwell.interop.mapping import IGNORE, column_keys, guess_mapping, saved_mapping
from trackwell.interop.models import PendingImport

GET_POST = ["GET", "HEAD", "POST"]
SAMPLE_ROWS = 3


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _kinds_for(user: User) -> list[pipeline.ImportKind]:
    pipeline.load_kinds()
    framework_kinds = set(PendingImport.Kind.values)  # they have their own page in Curriculum
    kinds = [
        kind
        for slug, kind in pipeline.REGISTRY.items()
        if slug not in framework_kinds and (kind.manage or access.can_manage_people)(user)
    ]
    return sorted(kinds, key=lambda k: (k.order, k.label))


class UploadForm(forms.Form):
    file = forms.FileField()


@require_http_methods(["GET", "HEAD"])
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Every kind of import the user manages, uploads waiting for a decision, and exports."""
    user = _user(request)
    school = access.imports_school(user)
    kinds = _kinds_for(user)
    pending = PendingImport.objects.filter(
        school=school, kind__in=[k.slug for k in kinds]
    ).select_related("user")
    return render(
        request,
        "interop/imports_index.html",
        {"kinds": kinds, "pending": pending, "school": school},
    )


@require_http_methods(GET_POST)
@login_required
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    """Upload a file of one kind; a refused file lists every problem and keeps nothing."""
    user = _user(request)
    school = access.imports_school(user, kind)
    import_kind = pipeline.get_kind(kind)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    options_form = (
        import_kind.options_form(request.POST if posted else None, school=school)
        if import_kind.options_form
        else None
    )
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        valid = form.is_valid() and (options_form is None or options_form.is_valid())
        if valid:
            upload_file = form.cleaned_data["file"]
            if upload_file.size and upload_file.size > import_kind.limits.max_bytes:
                # Refused before the file is read into memory.
                errors = [
                    f"The file is {upload_file.size / 1_000_000:.1f} MB; this import takes at "
                    f"most {import_kind.limits.max_bytes // 1_000_000} MB."
                ]
            else:
                options = import_kind.options_from(
                    options_form.cleaned_data if options_form else {}
                )
                staged = pipeline.receive(
                    user=user,
                    school=school,
                    kind=kind,
                    filename=upload_file.name or "",
                    data=upload_file.read(),
                    options=options,
                )
                if staged.pending is not None:
                    name = "imports:columns" if staged.needs_mapping else "imports:preview"
                    return HttpResponseRedirect(reverse(name, args=[staged.pending.pk]))
                errors = [str(e) for e in staged.errors]
    return render(
        request,
        "interop/imports_upload.html",
        {
            "kind": import_kind,
            "form": form,
            "options_form": options_form,
            "errors": errors,
            "limits": import_kind.limits.describe(),
        },
        status=status,
    )


@require_http_methods(GET_POST)
@login_required
def columns(request: HttpRequest, pending_id: int) -> HttpResponse:
    """The mapping step: which column holds which field; remembered for the next file."""
    user = _user(request)
    pending = access.get_import_for_user(user, pending_id)
    import_kind = pipeline.get_kind(pending.kind)
    if import_kind.mapping is None or pending.source is None:
        return HttpResponseRedirect(reverse("imports:preview", args=[pending.pk]))
    table = pipeline.Table.from_json(pending.source)
    spec = import_kind.mapping
    chosen = guess_mapping(spec, table.headers, saved_mapping(pending.school, pending.kind))
    # Repeated or blank headers are named by their position: "Surname (column 3)".
    keys = column_keys(table.headers)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        known = {f.name for f in spec.fields} | {IGNORE}
        chosen = {}
        for index, key in enumerate(keys):
            value = request.POST.get(f"column-{index}", IGNORE)
            chosen[key] = value if value in known else IGNORE
        parsed = pipeline.map_columns(
            pending, chosen, user=user, remember=request.POST.get("remember") == "on"
        )
        if not parsed.errors:
            return HttpResponseRedirect(reverse("imports:preview", args=[pending.pk]))
        errors = [str(e) for e in parsed.errors]
        status = 400
    rows = [cells for _, cells in table.rows[:SAMPLE_ROWS]]
    headers = [
        {
            "index": index,
            "name": key if header else "",
            "position": index + 1,
            "choice": chosen.get(key, IGNORE),
            "samples": [cells[index] for cells in rows if index < len(cells) and cells[index]],
        }
        for index, (header, key) in enumerate(zip(table.headers, keys, strict=True))
    ]
    return render(
        request,
        "interop/imports_columns.html",
        {
            "pending": pending,
            "kind": import_kind,
            "headers": headers,
            "choices": spec.choices(),
            "required": [f.label for f in spec.fields if f.required],
            "errors": errors,
            "row_count": len(table.rows),
        },
        status=status,
    )


@require_http_methods(GET_POST)
@login_required
def preview(request: HttpRequest, pending_id: int) -> HttpResponse:
    """What the upload would create, change and mark as left; confirm to write it all at once."""
    user = _user(request)
    pending = access.get_import_for_user(user, pending_id)
    import_kind = pipeline.get_kind(pending.kind)
    if pending.state == PendingImport.State.MAPPING:
        return HttpResponseRedirect(reverse("imports:columns", args=[pending.pk]))
    status = 200
    if request.method == "POST":
        try:
            plan, result = pipeline.commit(
                user=user, pending=pending, digest=request.POST.get("digest") or ""
            )
        except pipeline.StalePlan as exc:
            messages.warning(request, str(exc))
            status = 409
        except ValidationError as exc:
            for message in exc.messages:
                messages.warning(request, message)
            status = 400
        else:
            messages.success(request, import_kind.describe_result(plan, result))
            return HttpResponseRedirect(import_kind.result_url(result) or reverse("imports:index"))
    errors: list[str] = []
    try:
        plan = pipeline.plan_for(pending)
    except ValidationError as exc:
        plan = pipeline.Plan()
        errors = list(exc.messages)
    errors += [str(e) for e in plan.errors]
    context: dict[str, Any] = {
        "pending": pending,
        "kind": import_kind,
        "plan": plan,
        "groups": [
            (
                f"{_plural(kind, len(changes))} {pipeline.ACTION_WORDS.get(action, action)}",
                action,
                changes,
            )
            for action, kind, changes in plan.by_action_and_kind()
        ],
        "digest": plan.digest,
        "errors": errors,
        "warnings": list(pending.warnings) + plan.warnings,
        "total": len(plan.changes),
    }
    return render(request, "interop/imports_preview.html", context, status=status)


def _plural(kind: str, count: int) -> str:
    """'pupil' or 'pupils', 'class' or 'classes' (staff stays staff)."""
    if count == 1 or kind.endswith("staff"):
        return kind
    return kind + ("es" if kind.endswith("s") else "s")


@require_POST
@login_required
def discard(request: HttpRequest, pending_id: int) -> HttpResponse:
    """Throw an upload away without importing it."""
    user = _user(request)
    pending = access.get_import_for_user(user, pending_id)
    pending.delete()
    messages.success(
        request, f"{pending.filename or 'The upload'} was discarded; nothing imported."
    )
    return HttpResponseRedirect(reverse("imports:index"))
