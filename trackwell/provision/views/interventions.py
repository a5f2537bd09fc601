"""Intervention pages: plan, change, extend, stop and evaluate; pupils and their values."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis.gaps import shared_gaps, ticked_gaps
from trackwell.analysis.models import PupilFramework
from trackwell.core.ids import parse_ids
from trackwell.core.versioning import EditConflict, parse_version
from trackwell.curriculum.models import Framework, Subject
from trackwell.provision import from_gaps, services
from trackwell.provision.forms import InterventionForm
from trackwell.provision.grid import read_grid
from trackwell.provision.impact import impact_of
from trackwell.provision.models import Intervention, Measure, Participant, Status
from trackwell.provision.queries import load_map
from trackwell.provision.values import format_target, parse_target, parse_value
from trackwell.provision.views.common import error_text, int_or_404, parse_date, user_of
from trackwell.pupils.models import Pupil


def _detail_url(intervention: Intervention) -> str:
    return reverse("provision:intervention", args=[intervention.pk])


@require_safe
@login_required
def detail(request: HttpRequest, intervention_id: int) -> HttpResponse:
    """One intervention: its plan, pupils with entry, target and exit, sessions, and impact."""
    user = user_of(request)
    intervention = access.get_intervention_for_user(user, intervention_id)
    return _render_detail(request, user, intervention)


def _render_detail(
    request: HttpRequest,
    user: User,
    intervention: Intervention,
    *,
    conflict: EditConflict | None = None,
    status: int = 200,
    refused: tuple[str, ValidationError] | None = None,
) -> HttpResponse:
    """The intervention's page; with `refused` (which of its forms, and why), drawn again
    (400) with why at the top and what was typed kept in that form, and in the notice."""
    (row,) = load_map(Intervention.objects.filter(pk=intervention.pk))
    (impact,) = impact_of([row], min_group=intervention.school.min_group_size)
    can_edit = access.can_edit_intervention(user, intervention)
    can_record = access.can_record_intervention(user, intervention)
    objective_ids = [o.pk for o in row.objectives]
    # The pupils' gaps in the intervention's focus, read from the grid now.
    now = read_grid([p.participant.pupil_id for p in row.participants], objective_ids)
    focus = [
        (
            prow,
            [(o, now[prow.participant.pupil_id].codes.get(str(o.pk), "")) for o in row.objectives],
        )
        for prow in row.participants
    ]
    in_group = {p.participant.pupil_id for p in row.participants}
    candidates: list[Pupil] = []
    if can_edit:
        pool = (
            access.visible_pupils(user)
            if access.manages_provision(user)
            else Pupil.objects.filter(enrolments__school_class__in=access.editable_classes(user))
        )
        candidates = [
            p
            for p in pool.distinct().order_by("nc_year", "last_name", "first_name")
            if p.pk not in in_group
        ]
    sessions = list(intervention.sessions.select_related("delivered_by").order_by("-date")[:20])
    return render(
        request,
        "provision/intervention.html",
        {
            "intervention": intervention,
            "row": row,
            "impact": impact,
            "focus": focus,
            "sessions": sessions,
            "can_edit": can_edit,
            "can_record": can_record,
            "can_evaluate": access.manages_provision(user),
            "candidates": candidates,
            "conflict": conflict,
            "show_flag": access.manages_provision(user),
            "refused_form": refused[0] if refused else "",
            "refused_text": error_text(refused[1]) if refused else "",
            "sent": request.POST if refused else {},
            "refused_typed": [
                request.POST[k].strip()
                for k in TYPED
                if refused and request.POST.get(k, "").strip()
            ],
        },
        status=400 if refused else status,
    )


def _form_page(
    request: HttpRequest,
    form: InterventionForm,
    *,
    title: str,
    intervention: Intervention | None = None,
    conflict: EditConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "provision/intervention_form.html",
        {
            "form": form,
            "title": title,
            "intervention": intervention,
            "conflict": conflict,
            "back": _detail_url(intervention) if intervention else reverse("provision:map"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def new(request: HttpRequest) -> HttpResponse:
    """Plan a new intervention (the SENCO and leaders; teachers start theirs from gaps)."""
    user = user_of(request)
    school = access.provision_school(user, manage=True)
    services.ensure_builtin_measures(school)
    form = InterventionForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            intervention = services.create_intervention(
                user=user,
                school=school,
                staff=form.staff(),
                funding=form.funding(),
                objective_ids=[o.pk for o in form.cleaned_data["objectives"]],
                measure_ids=[m.pk for m in form.cleaned_data["measures"]],
                **form.plan(),
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, f"Planned '{intervention.name}'. Now add its pupils.")
            return HttpResponseRedirect(_detail_url(intervention))
    status = 400 if request.method == "POST" else 200
    return _form_page(request, form, title="Plan an intervention", status=status)


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, intervention_id: int) -> HttpResponse:
    """Change an intervention's plan; a change made meanwhile is shown beside yours (409)."""
    user = user_of(request)
    intervention = access.get_intervention_for_user(user, intervention_id, edit=True)
    staff = list(intervention.staff.select_related("user"))
    funding = list(intervention.funding.all())
    if request.method == "GET":
        form = InterventionForm(
            initial=InterventionForm.initial_for(intervention, staff, funding),
            school=intervention.school,
        )
        return _form_page(
            request, form, title=f"Change {intervention.name}", intervention=intervention
        )
    form = InterventionForm(request.POST, school=intervention.school)
    if not form.is_valid():
        return _form_page(
            request,
            form,
            title=f"Change {intervention.name}",
            intervention=intervention,
            status=400,
        )
    plan = form.plan()
    if plan["end_date"] is None:
        plan["end_date"] = intervention.end_date
    if (
        plan["status"] == Status.EVALUATED
        and intervention.status != Status.EVALUATED
        and not access.manages_provision(user)
    ):
        form.add_error("status", "The SENCO or a leader marks an intervention as evaluated.")
        return _form_page(
            request,
            form,
            title=f"Change {intervention.name}",
            intervention=intervention,
            status=400,
        )
    try:
        services.update_intervention(
            user=user,
            intervention_id=intervention.pk,
            school=intervention.school,
            expected_version=parse_version(request.POST.get("version")),
            changes=plan,
            staff=form.staff(),
            funding=form.funding(),
            objective_ids=[o.pk for o in form.cleaned_data["objectives"]],
            measure_ids=[m.pk for m in form.cleaned_data["measures"]],
        )
    except EditConflict as conflict:
        intervention.refresh_from_db()
        return _form_page(
            request,
            form,
            title=f"Change {intervention.name}",
            intervention=intervention,
            conflict=conflict,
            status=409,
        )
    except ValidationError as exc:
        form.add_error(None, error_text(exc))
        return _form_page(
            request,
            form,
            title=f"Change {intervention.name}",
            intervention=intervention,
            status=400,
        )
    messages.success(request, "Saved the plan.")
    return HttpResponseRedirect(_detail_url(intervention))


ACTIONS = {"start", "extend", "stop", "evaluate", "exit-from-grid"}
# What the intervention page's forms ask to be written, kept when one is refused.
TYPED = ("evaluation", "reason", "target", "success_criteria")


@require_POST
@login_required
def action(request: HttpRequest, intervention_id: int, name: str) -> HttpResponse:
    """Start, extend, stop or evaluate an intervention, or read exit values from the grid."""
    if name not in ACTIONS:
        raise Http404("No such action")
    user = user_of(request)
    intervention = access.get_intervention_for_user(user, intervention_id, edit=True)
    if name == "evaluate" and not access.manages_provision(user):
        raise PermissionDenied("The SENCO or a leader evaluates an intervention.")
    version = parse_version(request.POST.get("version"))
    reason = request.POST.get("reason", "")[:500]
    try:
        if name == "start":
            services.start_intervention(
                user=user, intervention=intervention, expected_version=version
            )
            done = "It is running."
        elif name == "extend":
            weeks = int_or_404(request.POST.get("weeks"))
            services.extend_intervention(
                user=user,
                intervention=intervention,
                expected_version=version,
                weeks=weeks,
                reason=reason,
            )
            done = f"Extended by {weeks} week{'s' if weeks != 1 else ''}."
        elif name == "stop":
            day = parse_date(request.POST.get("on"), "on") if request.POST.get("on") else None
            services.stop_intervention(
                user=user,
                intervention=intervention,
                expected_version=version,
                on=day,
                reason=reason,
            )
            done = "Ended. Exit values on the grid were read where the grid is a measure."
        elif name == "evaluate":
            services.evaluate_intervention(
                user=user,
                intervention=intervention,
                expected_version=version,
                evaluation=request.POST.get("evaluation", "")[:5000],
            )
            done = "Evaluation saved."
        else:
            count = services.read_exit_from_grid(user=user, intervention=intervention)
            done = f"Read {count} exit value{'s' if count != 1 else ''} from the grid."
    except EditConflict as conflict:
        intervention.refresh_from_db()
        return _render_detail(request, user, intervention, conflict=conflict, status=409)
    except ValidationError as exc:
        return _render_detail(request, user, intervention, refused=(name, exc))
    messages.success(request, done)
    return HttpResponseRedirect(_detail_url(intervention))


@require_POST
@login_required
def add_pupil(request: HttpRequest, intervention_id: int) -> HttpResponse:
    """Add a pupil to the group with their SMART target."""
    user = user_of(request)
    intervention = access.get_intervention_for_user(user, intervention_id, edit=True)
    pupil = access.get_pupil_for_user(user, int_or_404(request.POST.get("pupil")))
    if (
        not access.manages_provision(user)
        and not access.editable_classes(user).filter(enrolments__pupil=pupil).exists()
    ):
        # Teachers plan provision for their own classes' pupils; the SENCO for anyone.
        messages.warning(request, f"{pupil.full_name} is not in one of your classes.")
        return HttpResponseRedirect(_detail_url(intervention))
    try:
        services.add_participant(
            user=user,
            intervention=intervention,
            pupil=pupil,
            target=request.POST.get("target", "")[:2000],
            success_criteria=request.POST.get("success_criteria", "")[:2000],
        )
    except ValidationError as exc:
        return _render_detail(request, user, intervention, refused=("add-pupil", exc))
    messages.success(request, f"Added {pupil.full_name}. Record their entry values below.")
    return HttpResponseRedirect(_detail_url(intervention))


# ---------------------------------------------------------------------------
# A pupil in an intervention: target, values, comment


def _participant_page(
    request: HttpRequest,
    user: User,
    participant: Participant,
    *,
    conflict: EditConflict | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    (row,) = load_map(Intervention.objects.filter(pk=participant.intervention_id))
    prow = next(p for p in row.participants if p.participant.pk == participant.pk)
    participant = prow.participant
    values = {v.measure.pk: v for v in prow.values}
    measures = [(m, values.get(m.pk)) for m in row.measures]
    return render(
        request,
        "provision/participant.html",
        {
            "participant": participant,
            "intervention": row.intervention,
            "prow": prow,
            "measures": measures,
            "can_edit": access.can_edit_intervention(user, row.intervention),
            "can_record": access.can_record_intervention(user, row.intervention),
            "conflict": conflict,
            "errors": errors or [],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def participant(request: HttpRequest, participant_id: int) -> HttpResponse:
    """A pupil's target, entry and exit values and the adult's comment, version-checked."""
    user = user_of(request)
    found = access.get_participant_for_user(user, participant_id)
    if request.method == "GET":
        return _participant_page(request, user, found)
    what = request.POST.get("what", "")
    version = parse_version(request.POST.get("version"))
    try:
        if what == "details":
            found = access.get_participant_for_user(user, participant_id, edit=True)
            services.update_participant(
                user=user,
                participant_id=found.pk,
                school=found.intervention.school,
                expected_version=version,
                target=request.POST.get("target", "")[:2000],
                success_criteria=request.POST.get("success_criteria", "")[:2000],
                comment=request.POST.get("comment", "")[:2000],
            )
        elif what == "values":
            found = access.get_participant_for_user(user, participant_id, record=True)
            _save_values(request, user, found, version)
        elif what == "remove":
            found = access.get_participant_for_user(user, participant_id, edit=True)
            day = parse_date(request.POST.get("on"), "on") if request.POST.get("on") else None
            kept = services.remove_participant(
                user=user,
                participant=found,
                expected_version=version,
                on=day,
                reason=request.POST.get("reason", "")[:500],
            )
            if kept is None:
                messages.success(request, f"Removed {found.pupil.full_name} from the group.")
            else:
                messages.success(
                    request,
                    f"{found.pupil.full_name} left the group on {kept.left_on:%-d %B %Y}; "
                    "their record is kept.",
                )
            return HttpResponseRedirect(_detail_url(found.intervention))
        else:
            return HttpResponse("what: expected details, values or remove", status=400)
    except EditConflict as conflict:
        found.refresh_from_db()
        return _participant_page(request, user, found, conflict=conflict, status=409)
    except ValidationError as exc:
        return _participant_page(request, user, found, errors=exc.messages, status=400)
    messages.success(request, "Saved.")
    return HttpResponseRedirect(reverse("provision:participant", args=[found.pk]))


def _save_values(request: HttpRequest, user: User, found: Participant, version: int | None) -> None:
    """Every measure's entry, target and exit from one form; all checked before any is saved."""
    measures = list(found.intervention.measures.prefetch_related("steps"))
    parsed: list[tuple[Measure, str, Any, Any]] = []
    problems: list[str] = []
    for measure in measures:
        for which in ("entry", "exit"):
            key = f"{which}_{measure.pk}"
            if key not in request.POST:
                continue
            raw = request.POST.get(key, "")
            try:
                value = parse_value(measure, raw)
            except ValidationError as exc:
                problems.append(f"{measure.name}, {which}: {error_text(exc)}")
                continue
            day_raw = request.POST.get(f"{which}_date_{measure.pk}", "")
            day = None
            if day_raw:
                try:
                    day = parse_date(day_raw, f"{which} date")
                except ValidationError:
                    problems.append(
                        f"{measure.name}, {which} date: give a date such as 2026-12-01."
                    )
            parsed.append((measure, which, value, day))
        target_key = f"target_{measure.pk}"
        if target_key in request.POST:
            try:
                parse_target(measure, request.POST.get(target_key, ""))
            except ValidationError as exc:
                problems.append(f"{measure.name}, target: {error_text(exc)}")
            parsed.append((measure, "target", request.POST.get(target_key, ""), None))
    if problems:
        raise ValidationError(problems)
    current_rows = {r.measure_id: r for r in found.values.all()}
    with transaction.atomic():
        expected = version
        for measure, which, value, day in parsed:
            row = current_rows.get(measure.pk)
            if which == "target":
                now = format_target(measure, row.target_kind, row.target_amount) if row else ""
                if value.strip() == now:
                    continue
                services.set_target(
                    user=user,
                    participant=found,
                    measure=measure,
                    expected_version=expected,
                    target=value,
                )
            else:
                same_value = row is not None and getattr(row, f"{which}_value") == value
                same_day = day is None or (row is not None and getattr(row, f"{which}_date") == day)
                if same_value and same_day:
                    continue
                services.record_value(
                    user=user,
                    participant=found,
                    measure=measure,
                    expected_version=expected,
                    which=which,
                    value=value,
                    on=day,
                )
            expected = found.version


# ---------------------------------------------------------------------------
# From a class's shared gaps: one step to an intervention


@require_http_methods(["GET", "POST"])
@login_required
def from_gap(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """The class's shared gaps; choose an objective (or several) and its pupils become a group."""
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id)
    if not access.can_plan_provision_for_class(user, school_class):
        raise PermissionDenied("Only the class's teacher, the SENCO or a leader plans provision.")
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    framework = (
        Framework.objects.filter(subject=subject, nc_year=school_class.nc_year)
        .select_related("scale")
        .first()
    )
    if framework is None:
        raise Http404("No framework for this year")
    pupils = list(school_class.pupils.order_by("last_name", "first_name", "pk"))
    elsewhere = set(
        PupilFramework.objects.filter(pupil__in=pupils, subject=subject)
        .exclude(framework=framework)
        .values_list("pupil_id", flat=True)
    )
    gaps = shared_gaps([p for p in pupils if p.pk not in elsewhere], framework, [school_class.pk])
    if request.method == "POST":
        objective_ids = parse_ids(request.POST.getlist("objectives"))
        pupil_ids = parse_ids(request.POST.getlist("pupils"))
        if objective_ids is None or pupil_ids is None:
            return HttpResponse("objectives and pupils: not lists of ids", status=400)
        allowed = {g.objective.pk for g in gaps}
        if not set(objective_ids) <= allowed:
            return HttpResponse("objectives: not gaps of this class", status=400)
        if not pupil_ids:
            # Every pupil not yet secure in any chosen objective.
            pupil_ids = sorted(
                {p.pk for g in gaps if g.objective.pk in objective_ids for p in g.not_secure}
            )
        try:
            intervention = from_gaps.create_from_gap_group(
                user=user,
                school_class=school_class,
                objective_ids=objective_ids,
                pupil_ids=pupil_ids,
                name=request.POST.get("name", "")[:150],
                start_date=parse_date(request.POST["start_date"], "start_date")
                if request.POST.get("start_date")
                else None,
                weeks=int_or_404(request.POST.get("weeks") or 6),
                sessions_per_week=int_or_404(request.POST.get("sessions_per_week") or 3),
                minutes_per_session=int_or_404(request.POST.get("minutes_per_session") or 20),
            )
        except ValidationError as exc:
            # Drawn again with the ticks and numbers sent, rather than lost behind a redirect.
            ticked = set(parse_ids(request.POST.getlist("pupils")) or ())
            return render(
                request,
                "provision/from_gap.html",
                {
                    "school_class": school_class,
                    "subject": subject,
                    "framework": framework,
                    "gaps": gaps,
                    "refused": error_text(exc),
                    "sent": request.POST,
                    "sent_objectives": set(objective_ids),
                    "sent_pupils": ticked,
                    "open_gaps": ticked_gaps(gaps, set(objective_ids), ticked),
                },
                status=400,
            )
        messages.success(
            request,
            f"Started '{intervention.name}' with {len(pupil_ids)} pupil"
            f"{'s' if len(pupil_ids) != 1 else ''}; their entry values were read from the grid.",
        )
        return HttpResponseRedirect(_detail_url(intervention))
    return render(
        request,
        "provision/from_gap.html",
        {"school_class": school_class, "subject": subject, "framework": framework, "gaps": gaps},
    )
