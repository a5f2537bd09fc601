"""Printed reports: rounds, the comment-writing page, PDFs, background batches, governors' pack."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.core.ids import parse_id
from trackwell.core.models import AssessmentPoint
from trackwell.core.versioning import EditConflict, parse_version
from trackwell.curriculum.models import Subject
from trackwell.parents.services import settings_for as parent_settings_for
from trackwell.parents.summary import summarise
from trackwell.pupils.models import Pupil, SchoolClass

from . import services
from .governors import governors_pack_context
from .models import ReportBatch, ReportComment, ReportEntry, ReportFile, ReportRound
from .render import pdf_response, render_html_pdf, render_pupil_pdf, report_settings_for


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# ---------------------------------------------------------------------------
# Rounds


@require_http_methods(["GET", "POST"])
@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    """The school's report rounds; leaders start a new one."""
    user = _user(request)
    school = access.reports_school(user, manage=request.method == "POST")
    if request.method == "POST":
        point = get_object_or_404(
            AssessmentPoint, pk=_int(request.POST.get("point")), school=school
        )
        try:
            made = services.create_round(
                user=user,
                school=school,
                point=point,
                kind=request.POST.get("kind", ReportRound.Kind.TERMLY),
                title=request.POST.get("title", ""),
            )
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("printed:rounds"))
        return HttpResponseRedirect(reverse("printed:round", args=[made.pk]))
    return render(
        request,
        "printed/rounds.html",
        {
            "rounds": list(
                ReportRound.objects.filter(school=school).select_related("point", "year")
            ),
            "points": list(
                AssessmentPoint.objects.filter(school=school)
                .select_related("year")
                .order_by("-date")
            ),
            "kinds": ReportRound.Kind.choices,
            "can_manage": user.role in access.WHOLE_SCHOOL_EDIT,
        },
    )


@require_safe
@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round's classes: write comments, render PDFs."""
    user = _user(request)
    report_round = access.get_report_round_for_user(user, round_id)
    classes = list(
        access.visible_classes(user)
        .filter(year_id=report_round.year_id)
        .order_by("nc_year", "name")
    )
    editable = set(access.editable_classes(user).values_list("pk", flat=True))
    written = {
        row["pupil__enrolments__school_class"]: row["n"]
        for row in ReportComment.objects.filter(round=report_round)
        .exclude(text="")
        .values("pupil__enrolments__school_class")
        .annotate(n=Count("pupil", distinct=True))
    }
    batches = list(
        ReportBatch.objects.filter(round=report_round).select_related("school_class")[:10]
    )
    visible_ids = {c.pk for c in classes}
    return render(
        request,
        "printed/round.html",
        {
            "round": report_round,
            "classes": [(c, c.pk in editable, written.get(c.pk, 0)) for c in classes],
            "batches": [
                b
                for b in batches
                if (b.school_class_id in visible_ids)
                or (b.school_class_id is None and user.role in access.WHOLE_SCHOOL_READ)
            ],
            "whole_school": user.role in access.WHOLE_SCHOOL_EDIT,
        },
    )


# ---------------------------------------------------------------------------
# Writing comments: one pupil after another


def _class_pupils(school_class: SchoolClass) -> list[Pupil]:
    return list(
        Pupil.objects.filter(enrolments__school_class=school_class).order_by(
            "last_name", "first_name", "pk"
        )
    )


@require_http_methods(["GET", "POST"])
@login_required
def write(request: HttpRequest, round_id: int, class_id: int) -> HttpResponse:
    """Write one pupil's comments, then the next: keyboard only, each box saved as you go."""
    user = _user(request)
    report_round = access.get_report_round_for_user(user, round_id)
    school_class = access.get_class_for_user(user, class_id, edit=True)
    if school_class.year_id != report_round.year_id:
        raise Http404("This class is not in the report's year")
    pupils = _class_pupils(school_class)
    if not pupils:
        raise Http404("No pupils in this class")
    ids = [p.pk for p in pupils]
    wanted = request.GET.get("pupil") or request.POST.get("pupil")
    wanted_id = parse_id(wanted)
    index = ids.index(wanted_id) if wanted_id in ids else 0
    pupil = pupils[index]
    subjects = list(Subject.objects.filter(school_id=pupil.school_id))
    conflicts: list[EditConflict] = []
    status = 200
    if request.method == "POST":
        # Without the script: every box of the page is saved at once, then on to the next.
        conflicts = _save_all(request, user, report_round, pupil, subjects)
        if not conflicts:
            target = index + 1 if "next" in request.POST else index
            target = min(target, len(pupils) - 1)
            return HttpResponseRedirect(
                reverse("printed:write", args=[report_round.pk, school_class.pk])
                + f"?pupil={pupils[target].pk}"
            )
        status = 409
    summary = summarise(pupil, report_round.point, parent_settings_for(pupil.school))
    comments = {
        c.subject_id: c for c in ReportComment.objects.filter(round=report_round, pupil=pupil)
    }
    entry = ReportEntry.objects.filter(round=report_round, pupil=pupil).first()
    shown = {s.subject.pk: s for s in summary.subjects}
    return render(
        request,
        "printed/write.html",
        {
            "round": report_round,
            "school_class": school_class,
            "pupil": pupil,
            "position": index + 1,
            "count": len(pupils),
            "previous": pupils[index - 1] if index > 0 else None,
            "next": pupils[index + 1] if index + 1 < len(pupils) else None,
            "rows": [
                {
                    "subject": s,
                    "comment": comments.get(s.pk),
                    "summary": shown.get(s.pk),
                }
                for s in subjects
            ],
            "entry": entry,
            "conflicts": conflicts,
            "save_url": reverse("printed:save", args=[report_round.pk, pupil.pk]),
        },
        status=status,
    )


def _save_all(
    request: HttpRequest,
    user: User,
    report_round: ReportRound,
    pupil: Pupil,
    subjects: list[Subject],
) -> list[EditConflict]:
    conflicts = []
    for subject in subjects:
        key = f"subject-{subject.pk}"
        if key not in request.POST:
            continue
        try:
            services.save_comment(
                user=user,
                report_round=report_round,
                pupil=pupil,
                subject=subject,
                text=request.POST[key],
                expected_version=parse_version(request.POST.get(f"{key}-version")),
            )
        except EditConflict as exc:
            conflicts.append(exc)
        except ValidationError as exc:
            messages.warning(request, f"{subject.name}: {' '.join(exc.messages)}")
    values = _entry_values(request.POST)
    if values:
        try:
            services.save_entry(
                user=user,
                report_round=report_round,
                pupil=pupil,
                values=values,
                expected_version=parse_version(request.POST.get("entry-version")),
            )
        except EditConflict as exc:
            conflicts.append(exc)
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))
    return conflicts


def _number(raw: Any) -> int | None:
    text = str(raw).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise ValidationError(f"'{text[:20]}' is not a number of sessions.")
    return int(text)


def _entry_values(data: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "general" in data:
        values["general"] = str(data["general"]).replace("\r\n", "\n")
    for name in ("sessions_possible", "sessions_attended", "unauthorised_absences"):
        if name in data:
            values[name] = _number(data[name])
    return values


@require_POST
@login_required
def save(request: HttpRequest, round_id: int, pupil_id: int) -> JsonResponse:
    """Autosave of one box (JSON): `field` is subject-<id>, general, or an attendance figure."""
    user = _user(request)
    report_round = access.get_report_round_for_user(user, round_id)
    pupil = access.get_pupil_for_user(user, pupil_id)
    school_class = (
        SchoolClass.objects.filter(enrolments__pupil=pupil, year_id=report_round.year_id)
        .order_by("pk")
        .first()
    )
    if school_class is None or not access.can_edit_class(user, school_class):
        raise PermissionDenied("You can read this pupil's report but not write it.")
    field = request.POST.get("field", "")
    version = parse_version(request.POST.get("version"))
    try:
        if field.startswith("subject-") and parse_id(field.removeprefix("subject-")):
            subject = get_object_or_404(
                Subject, pk=parse_id(field.removeprefix("subject-")), school_id=pupil.school_id
            )
            comment = services.save_comment(
                user=user,
                report_round=report_round,
                pupil=pupil,
                subject=subject,
                text=request.POST.get("text", ""),
                expected_version=version,
            )
            return JsonResponse({"saved": True, "version": comment.version})
        if field in services.ENTRY_FIELDS:
            values = _entry_values({field: request.POST.get("text", "")})
            entry = services.save_entry(
                user=user,
                report_round=report_round,
                pupil=pupil,
                values=values,
                expected_version=version,
            )
            return JsonResponse({"saved": True, "version": entry.version})
    except EditConflict as exc:
        return JsonResponse(exc.as_dict(), status=409)
    except ValidationError as exc:
        return JsonResponse({"error": "invalid", "message": " ".join(exc.messages)}, status=400)
    return JsonResponse(
        {"error": "invalid", "message": f"Unknown field {field[:40]!r}."}, status=400
    )


# ---------------------------------------------------------------------------
# PDFs and batches


@require_safe
@login_required
def pupil_pdf(request: HttpRequest, round_id: int, pupil_id: int) -> HttpResponse:
    """One pupil's report as PDF."""
    user = _user(request)
    report_round = access.get_report_round_for_user(user, round_id)
    pupil = access.get_pupil_for_user(user, pupil_id)
    pdf = render_pupil_pdf(report_round, pupil)
    return pdf_response(pdf, f"{pupil.last_name}-{pupil.first_name}-{report_round.title}")


@require_POST
@login_required
def batch_start(request: HttpRequest, round_id: int) -> HttpResponse:
    """Render a class's (or, for leaders, the whole school's) reports in the background."""
    user = _user(request)
    report_round = access.get_report_round_for_user(user, round_id)
    class_id = request.POST.get("class", "")
    school_class = None
    if class_id:
        school_class = access.get_class_for_user(user, _int(class_id))
        if school_class.year_id != report_round.year_id:
            raise Http404("This class is not in the report's year")
    elif user.role not in access.WHOLE_SCHOOL_EDIT:
        raise PermissionDenied("Only school leaders and admins print the whole school's reports.")
    try:
        batch = services.start_batch(
            user=user, report_round=report_round, school_class=school_class
        )
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("printed:round", args=[report_round.pk]))
    return HttpResponseRedirect(reverse("printed:batch", args=[batch.pk]))


def _batch_state(batch: ReportBatch) -> dict[str, Any]:
    return {
        "status": batch.status,
        "label": batch.get_status_display(),
        "done": batch.done,
        "total": batch.total,
        "percent": batch.percent,
        "finished": batch.status in (ReportBatch.Status.DONE, ReportBatch.Status.FAILED),
    }


@require_safe
@login_required
def batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch's progress bar, then its files."""
    found = access.get_report_batch_for_user(_user(request), batch_id)
    files = list(ReportFile.objects.filter(batch=found).select_related("pupil"))
    return render(
        request,
        "printed/batch.html",
        {
            "batch": found,
            "state": _batch_state(found),
            "combined": next((f for f in files if f.pupil_id is None), None),
            "files": [f for f in files if f.pupil_id is not None],
        },
    )


@require_safe
@login_required
def batch_status(request: HttpRequest, batch_id: int) -> JsonResponse:
    """How far a batch has got (JSON, polled by the progress bar)."""
    found = access.get_report_batch_for_user(_user(request), batch_id)
    return JsonResponse(_batch_state(found))


@require_safe
@login_required
def batch_file(request: HttpRequest, batch_id: int, file_id: int) -> HttpResponse:
    """One PDF of a batch."""
    found = access.get_report_batch_for_user(_user(request), batch_id)
    record = get_object_or_404(ReportFile, pk=file_id, batch=found)
    try:
        with record.pdf.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise Http404("This file is no longer kept; render the reports again.") from exc
    return pdf_response(data, record.name.removesuffix(".pdf"))


# ---------------------------------------------------------------------------
# The report template


@require_http_methods(["GET", "POST"])
@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """The school's report template: its words and which parts each report holds."""
    user = _user(request)
    school = access.reports_school(user, manage=True)
    current = report_settings_for(school.pk)
    conflict = None
    status = 200
    if request.method == "POST":
        values: dict[str, Any] = {
            "heading": request.POST.get("heading", "").strip()[:120],
            "introduction": request.POST.get("introduction", "")[:3000],
            "arrangements": request.POST.get("arrangements", "")[:3000],
            "sign_off": request.POST.get("sign_off", "").strip()[:200],
            "show_chart": "show_chart" in request.POST,
            "show_next_steps": "show_next_steps" in request.POST,
            "show_strengths": "show_strengths" in request.POST,
        }
        try:
            services.update_report_settings(
                user=user,
                school=school,
                expected_version=parse_version(request.POST.get("version")),
                values=values,
            )
        except EditConflict as exc:
            conflict, status = exc, 409
            current = report_settings_for(school.pk)
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, "Saved. New reports use the changed template.")
            return HttpResponseRedirect(reverse("printed:settings"))
    return render(
        request,
        "printed/settings.html",
        {
            "settings": current,
            "conflict": conflict,
            "posted": request.POST if status != 200 else None,
        },
        status=status,
    )


# ---------------------------------------------------------------------------
# The governors' pack


@require_safe
@login_required
def governors(request: HttpRequest) -> HttpResponse:
    """The termly governors' pack as a web page."""
    school = access.governors_school(_user(request))
    return render(request, "printed/governors.html", governors_pack_context(school))


@require_safe
@login_required
def governors_pdf(request: HttpRequest) -> HttpResponse:
    """The governors' pack as PDF."""
    school = access.governors_school(_user(request))
    context = governors_pack_context(school)
    pdf = render_html_pdf("printed/governors_pdf.html", context)
    return pdf_response(pdf, f"governors-pack-{context['point'].name}-{context['year'].name}")


def _int(value: Any) -> int:
    found = parse_id(value)
    if found is None:
        raise Http404("Not an id")
    return found
