"""Review meeting pages: the list and scheduling, the meeting itself, its record.

Views parse, get objects through the access layer, call `services` and
render; the agenda comes from `queries.build_agenda`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.core.models import AssessmentPoint
from trackwell.core.versioning import EditConflict, parse_version
from trackwell.pupils.models import Pupil

from . import decisions, queries, services
from .forms import parse_date, parse_id, parse_int, text
from .models import Action, Attendee, Decision, Meeting


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _meetings_user(request: HttpRequest) -> User:
    """Staff who see pupils may open meetings pages; governors and trust leaders get 404."""
    user = _user(request)
    if not access.sees_pupils(user):
        raise Http404("No such page")
    return user


def _staff_choices(user: User) -> list[User]:
    return list(
        User.objects.filter(school_id=access.school_id_of(user), is_active=True)
        .exclude(role__in=list(access.AGGREGATES_ONLY))
        .order_by("last_name", "first_name", "pk")
    )


def _detail_url(meeting: Meeting, anchor: str = "") -> str:
    return reverse("meetings:detail", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


# ---------------------------------------------------------------------------
# The list and scheduling a round


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Meetings the user may see, by assessment point; leaders schedule rounds here."""
    user = _meetings_user(request)
    school_id = access.school_id_of(user)
    meetings = list(
        queries.with_counts(access.visible_meetings(user))
        .select_related("school_class", "point", "point__year")
        .order_by("-point__date", "date", "school_class__nc_year", "pk")[:300]
    )
    rounds: list[dict[str, Any]] = []
    for m in meetings:
        if not rounds or rounds[-1]["point"].pk != m.point_id:
            rounds.append({"point": m.point, "meetings": []})
        rounds[-1]["meetings"].append(m)
    can_schedule = access.can_schedule_meetings(user)
    to_schedule: list[dict[str, Any]] = []
    if can_schedule:
        to_schedule = queries.rounds_to_schedule(school_id)
    return render(
        request,
        "meetings/index.html",
        {
            "rounds": rounds,
            "can_schedule": can_schedule,
            "to_schedule": to_schedule,
            "today": timezone.localdate(),
            "sees_collation": access.sees_provision_collation(user),
        },
    )


@require_POST
@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    """Schedule a meeting for every class of a closed point, in one step."""
    user = _meetings_user(request)
    if not access.can_schedule_meetings(user):
        raise PermissionDenied("Only leaders schedule meetings.")
    point_id = parse_id(request.POST.get("point"))
    point = (
        AssessmentPoint.objects.filter(school_id=access.school_id_of(user), pk=point_id)
        .select_related("school", "year")
        .first()
        if point_id
        else None
    )
    if point is None:
        raise Http404("No such assessment point")
    try:
        first = parse_date(request.POST.get("first_date"), "First meeting")
        per_day = parse_int(request.POST.get("per_day"), "Meetings a day", 1, 20, 4)
        summary = services.schedule_round(user=user, point=point, first_date=first, per_day=per_day)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        n = len(summary.created)
        if n:
            messages.success(
                request,
                f"Scheduled {n} meeting{'s' if n != 1 else ''} for {point.name} {point.year.name}, "
                f"from {first:%-d %B %Y}. Each agenda is ready now.",
            )
        else:
            messages.info(request, f"Every class already has a meeting for {point.name}.")
    return HttpResponseRedirect(reverse("meetings:index"))


PART_FOR_ROLE = {
    "teacher": Attendee.Part.TEACHER,
    "leader": Attendee.Part.LEADER,
    "admin": Attendee.Part.LEADER,
    "senco": Attendee.Part.SENCO,
}


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def new(request: HttpRequest) -> HttpResponse:
    """One meeting for a class, a year group or a set of pupils."""
    user = _meetings_user(request)
    if not access.can_schedule_meetings(user):
        raise PermissionDenied("Only leaders schedule meetings.")
    school_id = access.school_id_of(user)
    points = list(
        AssessmentPoint.objects.filter(school_id=school_id, year__is_current=True)
        .select_related("year", "school")
        .order_by("date")
    )
    classes = list(
        access.visible_classes(user).filter(year__is_current=True).order_by("nc_year", "name")
    )
    pupils = list(
        access.visible_pupils(user)
        .filter(classes__year__is_current=True)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    staff = _staff_choices(user)
    errors: list[str] = []
    if request.method == "POST":
        post = request.POST
        point = next((p for p in points if p.pk == parse_id(post.get("point"))), None)
        school_class = next((c for c in classes if c.pk == parse_id(post.get("class"))), None)
        chosen = {i for raw in post.getlist("pupils") if (i := parse_id(raw))}
        people = {i for raw in post.getlist("attendees") if (i := parse_id(raw))}
        try:
            if point is None:
                raise ValidationError("Choose the assessment point the meeting reviews.")
            raw_year = post.get("nc_year", "")
            nc_year = (
                parse_int(raw_year, "Year group", 0, 13, 0) if raw_year not in ("", None) else None
            )
            meeting = services.create_meeting(
                user=user,
                point=point,
                meeting_date=parse_date(post.get("date"), "Date"),
                school_class=school_class,
                nc_year=nc_year,
                pupils=[p for p in pupils if p.pk in chosen],
                title=text(post.get("title"), 120),
                attendees=[
                    (s, PART_FOR_ROLE.get(s.role, Attendee.Part.OTHER))
                    for s in staff
                    if s.pk in people
                ],
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"{meeting.label} planned for {meeting.date:%-d %B %Y}.")
            return HttpResponseRedirect(_detail_url(meeting))
    return render(
        request,
        "meetings/new.html",
        {
            "points": points,
            "classes": classes,
            "pupils": pupils,
            "staff": staff,
            "years": sorted({c.nc_year for c in classes}),
            "errors": errors,
            "posted": request.POST,
            "today": timezone.localdate(),
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------------------
# One meeting: agenda, notes, decisions and actions on one page


def _meeting_page(
    request: HttpRequest,
    user: User,
    meeting: Meeting,
    *,
    conflict: EditConflict | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    agenda = queries.build_agenda(meeting, user)
    attendees = list(Attendee.objects.filter(meeting=meeting).select_related("user"))
    default_owner = next((a.user for a in attendees if a.part == Attendee.Part.TEACHER), user)
    return render(
        request,
        "meetings/meeting.html",
        {
            "meeting": meeting,
            "agenda": agenda,
            "attendees": attendees,
            "staff": _staff_choices(user),
            "default_owner": default_owner,
            "default_due": meeting.date + timedelta(weeks=services.DEFAULT_ACTION_WEEKS),
            "kinds": Decision.Kind.choices,
            "statuses": Meeting.Status.choices,
            "action_statuses": Action.Status.choices,
            "can_schedule": access.can_schedule_meetings(user),
            "conflict": conflict,
            "errors": errors or [],
            "posted": request.POST if (conflict or errors) else {},
            "addable": _addable_pupils(user, meeting, agenda),
        },
        status=status,
    )


def _addable_pupils(user: User, meeting: Meeting, agenda: queries.Agenda) -> list[Pupil]:
    on = {p.pupil.pk for p in agenda.pupils}
    qs = (
        access.visible_pupils(user)
        .filter(classes__year_id=meeting.point.year_id)
        .order_by("last_name", "first_name", "pk")
    )
    if meeting.school_class is not None:
        qs = qs.filter(nc_year=meeting.school_class.nc_year)
    return [p for p in qs.distinct()[:400] if p.pk not in on]


@require_safe
@login_required
def detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The meeting: its agenda from the data, and everything recorded on it."""
    user = _meetings_user(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    return _meeting_page(request, user, meeting)


@require_POST
@login_required
def edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Change the date, status or general notes."""
    user = _meetings_user(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    try:
        services.update_meeting(
            user=user,
            meeting=meeting,
            expected_version=parse_version(request.POST.get("version")),
            meeting_date=parse_date(request.POST.get("date"), "Date"),
            status=text(request.POST.get("status"), 20),
            notes=text(request.POST.get("notes"), 20000),
        )
    except EditConflict as exc:
        meeting.refresh_from_db()
        return _meeting_page(request, user, meeting, conflict=exc, status=409)
    except ValidationError as exc:
        return _meeting_page(request, user, meeting, errors=exc.messages, status=400)
    messages.success(request, "Meeting saved.")
    return HttpResponseRedirect(_detail_url(meeting, "meeting-record"))


def _pupil_for(user: User, meeting: Meeting, raw: Any) -> Pupil:
    pupil_id = parse_id(raw)
    pupil = queries.meeting_pupils(meeting).filter(pk=pupil_id).first() if pupil_id else None
    if pupil is None:
        raise Http404("No such pupil on this meeting")
    return pupil


@require_POST
@login_required
def add_pupil(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Add a pupil to the agenda, with a note on why."""
    user = _meetings_user(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    pupil_id = parse_id(request.POST.get("pupil"))
    pupil = access.visible_pupils(user).filter(pk=pupil_id).first() if pupil_id else None
    if pupil is None:
        return _meeting_page(request, user, meeting, errors=["Choose a pupil to add."], status=400)
    services.add_pupil(
        user=user, meeting=meeting, pupil=pupil, reason=text(request.POST.get("reason"), 300)
    )
    messages.success(request, f"Added {pupil.full_name} to the agenda.")
    return HttpResponseRedirect(_detail_url(meeting, f"pupil-{pupil.pk}"))


@require_POST
@login_required
def save_note(request: HttpRequest, meeting_id: int, pupil_id: int) -> HttpResponse:
    """What worked and what did not, for one pupil."""
    user = _meetings_user(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    pupil = _pupil_for(user, meeting, pupil_id)
    try:
        services.save_pupil_note(
            user=user,
            meeting=meeting,
            pupil=pupil,
            expected_version=parse_version(request.POST.get("version")),
            worked=text(request.POST.get("worked"), 5000),
            not_worked=text(request.POST.get("not_worked"), 5000),
        )
    except EditConflict as exc:
        return _meeting_page(request, user, meeting, conflict=exc, status=409)
    except ValidationError as exc:
        return _meeting_page(request, user, meeting, errors=exc.messages, status=400)
    messages.success(request, f"Saved the note on {pupil.full_name}.")
    return HttpResponseRedirect(_detail_url(meeting, f"pupil-{pupil.pk}"))


def _owner(user: User, raw: Any) -> User | None:
    owner_id = parse_id(raw)
    if owner_id is None:
        return None
    owner = User.objects.filter(pk=owner_id, school_id=access.school_id_of(user)).first()
    if owner is None or not access.sees_pupils(owner):
        raise ValidationError("Choose a member of staff of your school as the action's owner.")
    return owner


@require_POST
@login_required
def decide(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Record a decision (and its action); a provision decision updates the provision map."""
    user = _meetings_user(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    raw_pupil = request.POST.get("pupil")
    pupil = _pupil_for(user, meeting, raw_pupil) if raw_pupil else None
    try:
        owner = _owner(user, request.POST.get("owner"))
        due = parse_date(request.POST.get("due"), "Action due") if owner is not None else None
        objective_ids = [i for raw in request.POST.getlist("objective") if (i := parse_id(raw))]
        decisions.record_decision(
            user=user,
            meeting=meeting,
            kind=text(request.POST.get("kind"), 20),
            text=text(request.POST.get("text"), 5000),
            pupil=pupil,
            intervention_name=text(request.POST.get("intervention_name"), 150),
            focus=text(request.POST.get("focus"), 2000),
            objective_ids=objective_ids,
            intervention_ref=parse_id(request.POST.get("intervention")),
            weeks=parse_int(request.POST.get("weeks"), "Weeks", 1, 52, 6),
            action_owner=owner,
            action_due=due,
            action_text=text(request.POST.get("action_text"), 300),
        )
    except ValidationError as exc:
        return _meeting_page(request, user, meeting, errors=exc.messages, status=400)
    messages.success(request, "Decision recorded" + (f" for {pupil.full_name}." if pupil else "."))
    return HttpResponseRedirect(_detail_url(meeting, f"pupil-{pupil.pk}" if pupil else "class"))


@require_POST
@login_required
def withdraw(request: HttpRequest, meeting_id: int, decision_id: int) -> HttpResponse:
    """Withdraw a decision recorded by mistake (it stays in the record, marked)."""
    user = _meetings_user(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    decision = Decision.objects.filter(meeting=meeting, pk=decision_id).first()
    if decision is None:
        raise Http404("No such decision")
    try:
        decisions.withdraw_decision(
            user=user,
            decision=decision,
            expected_version=parse_version(request.POST.get("version")),
        )
    except EditConflict as exc:
        return _meeting_page(request, user, meeting, conflict=exc, status=409)
    messages.success(request, "Decision withdrawn; it stays in the record, marked as withdrawn.")
    return HttpResponseRedirect(
        _detail_url(meeting, f"pupil-{decision.pupil_id}" if decision.pupil_id else "class")
    )


@require_POST
@login_required
def add_action(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """A next step with an owner and a due date."""
    user = _meetings_user(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    raw_pupil = request.POST.get("pupil")
    pupil = _pupil_for(user, meeting, raw_pupil) if raw_pupil else None
    try:
        owner = _owner(user, request.POST.get("owner"))
        if owner is None:
            raise ValidationError("Choose who owns the action.")
        decisions.add_action(
            user=user,
            meeting=meeting,
            owner=owner,
            due=parse_date(request.POST.get("due"), "Due"),
            description=text(request.POST.get("description"), 300),
            pupil=pupil,
        )
    except ValidationError as exc:
        return _meeting_page(request, user, meeting, errors=exc.messages, status=400)
    messages.success(request, "Action added.")
    return HttpResponseRedirect(_detail_url(meeting, f"pupil-{pupil.pk}" if pupil else "class"))


@require_POST
@login_required
def update_action(request: HttpRequest, action_id: int) -> HttpResponse:
    """Say what became of an action: from the meeting page, the next meeting or a home page."""
    user = _meetings_user(request)
    action = access.get_action_for_user(user, action_id)
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("home")

    def meeting_status() -> str | None:
        return Meeting.objects.filter(pk=action.meeting_id).values_list("status", flat=True).first()

    before = meeting_status()
    try:
        owner = _owner(user, request.POST.get("owner")) or action.owner
        raw_due = request.POST.get("due")
        decisions.update_action(
            user=user,
            action=action,
            expected_version=parse_version(request.POST.get("version")),
            status=text(request.POST.get("status"), 12),
            outcome=text(request.POST.get("outcome"), 5000),
            due=parse_date(raw_due, "Due") if raw_due else action.due,
            owner=owner,
        )
    except (EditConflict, ValidationError) as exc:
        meeting = access.visible_meetings(user).filter(pk=action.meeting_id).first()
        if meeting is None:
            # The owner of an action on a meeting they cannot open: a plain page with the reason.
            return render(
                request,
                "meetings/action_problem.html",
                {
                    "action": action,
                    "conflict": exc if isinstance(exc, EditConflict) else None,
                    "errors": [] if isinstance(exc, EditConflict) else exc.messages,
                    "back": back,
                },
                status=409 if isinstance(exc, EditConflict) else 400,
            )
        meeting = access.get_meeting_for_user(user, meeting.pk)
        if isinstance(exc, EditConflict):
            return _meeting_page(request, user, meeting, conflict=exc, status=409)
        return _meeting_page(request, user, meeting, errors=exc.messages, status=400)
    if before != Meeting.Status.FOLLOWED_UP and meeting_status() == Meeting.Status.FOLLOWED_UP:
        messages.success(
            request, "Action updated. Every action is settled: the meeting is followed up."
        )
    else:
        messages.success(request, "Action updated.")
    return HttpResponseRedirect(back)


# ---------------------------------------------------------------------------
# The printable record and the SENCO's collation


def _record_context(user: User, meeting: Meeting, *, pdf: bool) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "agenda": queries.build_agenda(meeting, user),
        "attendees": Attendee.objects.filter(meeting=meeting).select_related("user"),
        "actions": queries.meeting_actions(meeting),
        "printed_at": timezone.localtime(),
        "pdf": pdf,
    }


@require_safe
@login_required
def record(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The meeting's record for printing (self-contained: the same page is the PDF)."""
    user = _meetings_user(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    return render(request, "meetings/record.html", _record_context(user, meeting, pdf=False))


@require_safe
@login_required
def record_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The meeting's record as an A4 PDF (WeasyPrint); whoever sees the meeting may have it."""
    from trackwell.printed.render import pdf_response, render_html_pdf

    user = _meetings_user(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    pdf = render_html_pdf(
        "meetings/record.html", _record_context(user, meeting, pdf=True), print_css=False
    )
    return pdf_response(pdf, f"{meeting.label} {meeting.date.isoformat()} record")


@require_safe
@login_required
def provision_collation(request: HttpRequest) -> HttpResponse:
    """Every meeting's provision decisions across the school (SENCO, leaders, admins)."""
    user = _meetings_user(request)
    if not access.sees_provision_collation(user):
        raise PermissionDenied("The SENCO and leaders see the school's provision decisions.")
    decisions = list(queries.provision_decisions(access.school_id_of(user))[:1000])
    return render(request, "meetings/provision.html", {"decisions": decisions})
