"""Family pages: parents' own pages, joining with an invitation, and staff pages that manage them.

Parents reach only `home`, `child`, `child-report`, `join` and `accept`; every
other page of Trackwell is 404 for them (the access layer's `NO_STAFF_PAGES`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis.evaluation import load_band_sets
from trackwell.core.models import AssessmentPoint
from trackwell.core.versioning import EditConflict, parse_version
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil
from trackwell.security.addresses import client_ip

from . import services, throttle
from .models import ChildLink, Contact, Invitation, ParentSettings
from .summary import band_phrase, released_points, summarise, support_for


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# ---------------------------------------------------------------------------
# Parents' own pages


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A parent's children, each with a link to their page."""
    user = _user(request)
    if not access.is_parent(user):
        raise Http404("No such page")
    children = list(access.children_of(user))
    assert user.school is not None  # a parent always has a school (`is_parent`)
    return render(
        request,
        "parents/home.html",
        {"children": children, "settings": services.settings_for(user.school)},
    )


def _child_context(pupil: Pupil, *, preview: bool) -> dict[str, Any]:
    from trackwell.printed.models import ReportComment, ReportEntry, ReportRound

    settings = services.settings_for(pupil.school)
    points = released_points(pupil.school_id)
    point = points[0] if points else None
    summary = summarise(pupil, point, settings)
    support = support_for(pupil, point, settings)
    comments: dict[int, str] = {}
    general = ""
    rounds: list[ReportRound] = []
    if point is not None:
        rounds = list(
            ReportRound.objects.filter(school_id=pupil.school_id, point__in=points).order_by(
                "-point__date", "-pk"
            )
        )
        latest = next((r for r in rounds if r.point_id == point.pk), None)
        if latest is not None and settings.show_comments:
            comments = dict(
                ReportComment.objects.filter(round=latest, pupil=pupil)
                .exclude(text="")
                .values_list("subject_id", "text")
            )
            entry = ReportEntry.objects.filter(round=latest, pupil=pupil).first()
            general = entry.general if entry else ""
    return {
        "pupil": pupil,
        "summary": summary,
        "settings": settings,
        "comments": comments,
        "general": general,
        "support": support,
        "rounds": rounds,
        "preview": preview,
    }


@require_safe
@login_required
def child(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """One child's learning, in the school's words for parents."""
    pupil = access.get_child_for_parent(_user(request), pupil_id)
    return render(request, "parents/child.html", _child_context(pupil, preview=False))


@require_safe
@login_required
def child_report(request: HttpRequest, pupil_id: int, round_id: int) -> HttpResponse:
    """A released report of one's own child as PDF."""
    from trackwell.printed.models import ReportRound
    from trackwell.printed.render import pdf_response, render_pupil_pdf

    pupil = access.get_child_for_parent(_user(request), pupil_id)
    report_round = get_object_or_404(
        ReportRound.objects.select_related("point", "year"),
        pk=round_id,
        school_id=pupil.school_id,
        point__parent_release__isnull=False,
    )
    return pdf_response(render_pupil_pdf(report_round, pupil), f"report-{pupil.first_name}")


@require_safe
@login_required
def preview(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """A child's page exactly as their parents see it, for staff who may see the pupil."""
    pupil = access.get_pupil_for_user(_user(request), pupil_id)
    return render(request, "parents/child.html", _child_context(pupil, preview=True))


# ---------------------------------------------------------------------------
# Joining: a printed code or an emailed link


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Enter a printed code: creates a parent's account, or adds a child to the signed-in one."""
    user = request.user if request.user.is_authenticated else None
    if user is not None and not access.is_parent(_user(request)):
        raise Http404("No such page")
    error = ""
    status = 200
    refusal: throttle.Refusal | None = None
    if request.method == "POST":
        code = request.POST.get("code", "")[:100]
        address = client_ip(request)
        attempt = throttle.begin(address, code)
        refusal = attempt.refusal
        if refusal is not None:
            error, status = refusal.message, 429
        else:
            try:
                parent = services.accept_invitation(
                    secret=code,
                    user=_user(request) if user else None,
                    username=request.POST.get("username", ""),
                    password=_password(request),
                )
            except ValidationError as exc:
                if not isinstance(exc, services.WrongCode):
                    throttle.forgive(attempt)
                error, status = " ".join(exc.messages), 400
            else:
                throttle.forgive(attempt)
                return _signed_in(request, parent)
    response = render(
        request,
        "parents/join.html",
        {"error": error, "signed_in": user is not None, "code": request.POST.get("code", "")},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(60 * (refusal.minutes if refusal else 1))
    return response


def _password(request: HttpRequest) -> str:
    password = request.POST.get("password", "")
    if request.POST.get("password2", password) != password:
        raise ValidationError("The two passwords are not the same.")
    return password


def _signed_in(request: HttpRequest, parent: User) -> HttpResponse:
    if not request.user.is_authenticated:
        login(request, parent, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Welcome. You can now see your child's learning here.")
    return HttpResponseRedirect(reverse("parents:home"))


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: choose a password (or, signed in, add the child to one's account)."""
    user = request.user if request.user.is_authenticated else None
    if user is not None and not access.is_parent(_user(request)):
        raise Http404("No such page")
    invitation = services.find_invitation(token)
    if invitation is None or invitation.kind != Invitation.Kind.EMAIL:
        return render(request, "parents/invitation_gone.html", status=404)
    error = ""
    if request.method == "POST":
        try:
            parent = services.accept_invitation(
                secret=token,
                user=_user(request) if user else None,
                username=request.POST.get("username", ""),
                password=_password(request),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return _signed_in(request, parent)
    return render(
        request,
        "parents/accept.html",
        {
            "invitation": invitation,
            "error": error,
            "signed_in": user is not None,
            "username": request.POST.get("username", invitation.link.contact.email),
        },
        status=400 if error else 200,
    )


# ---------------------------------------------------------------------------
# Staff: contacts, invitations and revocation


@require_http_methods(["GET", "POST"])
@login_required
def pupil_contacts(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """A pupil's parents and carers: add one, invite them, revoke their access."""
    user = _user(request)
    pupil = access.get_pupil_for_family_admin(user, pupil_id)
    refused = ""
    if request.method == "POST":
        try:
            services.add_contact(
                user=user,
                pupil=pupil,
                first_name=request.POST.get("first_name", ""),
                last_name=request.POST.get("last_name", ""),
                email=request.POST.get("email", ""),
                phone=request.POST.get("phone", ""),
                relationship=request.POST.get("relationship", ""),
            )
        except ValidationError as exc:
            # Drawn again below with what was typed, rather than lost behind a redirect.
            refused = " ".join(exc.messages)
        else:
            messages.success(request, "Contact added.")
            return HttpResponseRedirect(reverse("parents:pupil-contacts", args=[pupil.pk]))
    links = list(
        ChildLink.objects.filter(pupil=pupil)
        .select_related("contact", "contact__user")
        .order_by("revoked_at", "contact__last_name", "pk")
    )
    return render(
        request,
        "parents/pupil_contacts.html",
        {
            "pupil": pupil,
            "links": links,
            "refused": refused,
            "sent": request.POST if refused else {},
        },
        status=400 if refused else 200,
    )


@require_POST
@login_required
def link_code(request: HttpRequest, link_id: int) -> HttpResponse:
    """A printable one-time code for one child (shown once)."""
    user = _user(request)
    link = access.get_child_link_for_user(user, link_id)
    try:
        made = services.print_code(user=user, link=link)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("parents:pupil-contacts", args=[link.pupil_id]))
    return render(
        request,
        "parents/code_letter.html",
        {
            "link": link,
            "code": made.secret,
            "invitation": made.invitation,
            "join_url": request.build_absolute_uri(reverse("parents:join")),
        },
    )


@require_POST
@login_required
def link_email(request: HttpRequest, link_id: int) -> HttpResponse:
    """Email the contact an invitation link."""
    user = _user(request)
    link = access.get_child_link_for_user(user, link_id)
    try:
        services.email_invitation(
            user=user,
            link=link,
            accept_url_for=lambda token: request.build_absolute_uri(
                reverse("parents:accept", args=[token])
            ),
        )
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    except OSError:
        # The mail server did not answer: nothing was sent, say so plainly.
        messages.warning(
            request, "The email could not be sent just now. Try again later or print a code."
        )
    else:
        messages.success(request, f"Invitation sent to {link.contact.email}.")
    return HttpResponseRedirect(reverse("parents:pupil-contacts", args=[link.pupil_id]))


@require_POST
@login_required
def link_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    """End a contact's access to a child at once."""
    user = _user(request)
    link = access.get_child_link_for_user(user, link_id)
    services.revoke_link(user=user, link=link)
    messages.success(
        request, f"{link.contact.full_name} can no longer see {link.pupil.first_name}'s pages."
    )
    return HttpResponseRedirect(reverse("parents:pupil-contacts", args=[link.pupil_id]))


@require_safe
@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    """Every contact of the school, with their children and whether they have signed in."""
    school = access.family_school(_user(request))
    links = list(
        ChildLink.objects.filter(school=school, revoked_at__isnull=True)
        .select_related("contact", "contact__user", "pupil")
        .order_by("pupil__last_name", "pupil__first_name", "contact__last_name")
    )
    return render(
        request,
        "parents/contacts.html",
        {"links": links, "contacts": Contact.objects.filter(school=school).count()},
    )


# ---------------------------------------------------------------------------
# Staff: what parents see, and from when


def _settings_form(school_id: int, settings: ParentSettings, post: Any = None) -> dict[str, Any]:
    subjects = list(Subject.objects.filter(school_id=school_id))
    sets = load_band_sets(school_id)
    bands = sorted(sets.attainment.bands, key=lambda b: b.order) if sets.attainment else []
    return {
        "subjects": [
            (s, post.get(f"home_{s.slug}", "") if post else settings.home_help.get(s.slug, ""))
            for s in subjects
        ],
        "bands": [
            (
                b,
                post.get(f"band_{b.key}", "") if post else settings.band_words.get(b.key, ""),
                band_phrase(b, settings),
            )
            for b in bands
        ],
        "flags": [
            (f, ParentSettings.flag_label(f), getattr(settings, f)) for f in services.SETTINGS_FLAGS
        ],
    }


@require_http_methods(["GET", "POST"])
@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """What parents see and the words they read, separate from staff labels."""
    user = _user(request)
    school = access.family_school(user)
    settings = services.settings_for(school)
    conflict = None
    status = 200
    if request.method == "POST":
        subjects = Subject.objects.filter(school=school)
        sets = load_band_sets(school.pk)
        bands = sets.attainment.bands if sets.attainment else []
        try:
            services.update_settings(
                user=user,
                school=school,
                expected_version=parse_version(request.POST.get("version")),
                welcome=request.POST.get("welcome", "")[:2000],
                flags={f: f in request.POST for f in services.SETTINGS_FLAGS},
                home_help={
                    s.slug: text[:1000]
                    for s in subjects
                    if (text := request.POST.get(f"home_{s.slug}", "").strip())
                },
                band_words={
                    b.key: text[:160]
                    for b in bands
                    if (text := request.POST.get(f"band_{b.key}", "").strip())
                },
            )
        except EditConflict as exc:
            conflict, status = exc, 409
            settings = services.settings_for(school)
        else:
            messages.success(request, "Saved. Parents see the new words from now on.")
            return HttpResponseRedirect(reverse("parents:settings"))
    context = {"settings": settings, "conflict": conflict}
    context.update(_settings_form(school.pk, settings, request.POST if conflict else None))
    return render(request, "parents/settings.html", context, status=status)


@require_safe
@login_required
def releases(request: HttpRequest) -> HttpResponse:
    """Assessment points and whether each is shared with parents."""
    school = access.family_school(_user(request))
    points = list(
        AssessmentPoint.objects.filter(school=school)
        .select_related("year", "parent_release")
        .order_by("-date")
    )
    return render(request, "parents/releases.html", {"points": points})


@require_POST
@login_required
def release(request: HttpRequest, point_id: int) -> HttpResponse:
    """Share a point with parents, or stop sharing it (`withdraw`)."""
    user = _user(request)
    point = get_object_or_404(AssessmentPoint, pk=point_id, school_id=access.school_id_of(user))
    access.family_school(user)  # after the lookup: another school's point is 404
    if "withdraw" in request.POST:
        services.withdraw_release(user=user, point=point)
        messages.success(request, f"{point} is no longer shown to parents.")
    else:
        services.release_point(user=user, point=point)
        messages.success(request, f"Parents can now see {point}.")
    return HttpResponseRedirect(reverse("parents:releases"))
