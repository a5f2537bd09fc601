"""The framework library and frameworks shared across a trust (leaders, admins, trust leaders)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.core.ids import parse_id
from trackwell.curriculum import library as framework_library
from trackwell.curriculum import trust
from trackwell.curriculum.forms import LibraryForm
from trackwell.curriculum.models import Framework, RatingScale, SharedFramework
from trackwell.curriculum.view_helpers import GET_POST, framework_url, refuse, user_of
from trackwell.pupils.models import nc_year_label


@require_safe
@login_required
def library(request: HttpRequest) -> HttpResponse:
    """The starting frameworks Trackwell ships, and which years the school already has."""
    user = user_of(request)
    school = access.curriculum_school(user, edit=True)
    have = set(
        Framework.objects.filter(school=school, phase="").values_list("subject__slug", "nc_year")
    )
    return render(
        request,
        "curriculum/library.html",
        {
            "subjects": [
                (slug, name, [(y, nc_year_label(y), (slug, y) in have) for y in years])
                for slug, name, years in framework_library.library_subjects()
            ],
            "scales": RatingScale.objects.filter(school=school),
        },
    )


@require_POST
@login_required
def library_adopt(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    school = access.curriculum_school(user, edit=True)
    back = reverse("curriculum-library")
    form = LibraryForm(request.POST, school_id=school.pk)
    if not form.is_valid():
        messages.warning(request, "Choose a subject and at least one year.")
        return HttpResponseRedirect(back)
    try:
        adopted = framework_library.adopt_from_library(
            user=user,
            school=school,
            slug=form.cleaned_data["subject"],
            years=form.cleaned_data["years"],
            scale=form.cleaned_data["scale"],
        )
    except ValidationError as exc:
        return refuse(request, exc, back)
    if adopted:
        messages.success(
            request,
            "Added " + ", ".join(f.name for f in adopted) + ". Edit them as you wish.",
        )
    else:
        messages.info(request, "Your school already has those frameworks.")
    return HttpResponseRedirect(back)


@require_safe
@login_required
def trust_frameworks(request: HttpRequest) -> HttpResponse:
    """Frameworks the trust publishes, the school's copies and their updates."""
    user = user_of(request)
    if access.is_trust_leader(user):
        return _trust_leader_frameworks(request, user)
    school = access.curriculum_school(user, edit=True)
    shared = (
        SharedFramework.objects.filter(trust_id=school.trust_id)
        .select_related("source_school")
        .prefetch_related("versions")
        if school.trust_id
        else SharedFramework.objects.none()
    )
    copies = {
        f.shared_source_id: f
        for f in Framework.objects.filter(school=school, shared_source__isnull=False)
    }
    return render(
        request,
        "curriculum/trust.html",
        {
            "school": school,
            "shared": [(s, copies.get(s.pk)) for s in shared],
        },
    )


def _trust_leader_frameworks(request: HttpRequest, user: User) -> HttpResponse:
    """The trust's shared frameworks, who follows which version, and what could be published."""
    trust_ = access.trust_of(user)
    schools = list(access.trust_schools(user))
    return render(
        request,
        "curriculum/trust_leader.html",
        {
            "trust": trust_,
            "statuses": trust.trust_adoptions(trust_.pk, schools),
            "publishable": Framework.objects.filter(school__in=schools, shared_source__isnull=True)
            .select_related("school", "subject")
            .order_by("school__name", "subject__order", "subject__name", "nc_year", "phase"),
        },
    )


@require_POST
@login_required
def trust_publish(request: HttpRequest) -> HttpResponse:
    """A trust leader publishes any framework of a school in the trust as the trust's."""
    user = user_of(request)
    back = reverse("curriculum-trust")
    framework_id = parse_id(request.POST.get("framework"))
    if framework_id is None:
        raise Http404("No such framework")
    framework = access.get_trust_framework_for_user(user, framework_id)
    try:
        version = trust.publish_framework(
            user=user, framework=framework, note=request.POST.get("note", "")[:2000]
        )
    except ValidationError as exc:
        return refuse(request, exc, back)
    messages.success(
        request,
        f"Published {framework.name} from {framework.school.name} to the trust "
        f"as version {version.version}.",
    )
    return HttpResponseRedirect(back)


@require_POST
@login_required
def trust_adopt(request: HttpRequest, shared_id: int) -> HttpResponse:
    user = user_of(request)
    shared = access.get_shared_framework_for_user(user, shared_id)
    try:
        framework = trust.adopt_shared(user=user, school=access.school_of(user), shared=shared)
    except ValidationError as exc:
        return refuse(request, exc, reverse("curriculum-trust"))
    messages.success(request, f"Adopted {framework.name} as a linked copy.")
    return HttpResponseRedirect(framework_url(framework))


@require_POST
@login_required
def framework_publish(request: HttpRequest, framework_id: int) -> HttpResponse:
    user = user_of(request)
    framework = access.get_framework_for_user(user, framework_id, edit=True)
    try:
        version = trust.publish_framework(
            user=user, framework=framework, note=request.POST.get("note", "")[:2000]
        )
    except ValidationError as exc:
        return refuse(request, exc, framework_url(framework))
    messages.success(
        request, f"Published {framework.name} to your trust as version {version.version}."
    )
    return HttpResponseRedirect(framework_url(framework))


@require_http_methods(GET_POST)
@login_required
def framework_update(request: HttpRequest, framework_id: int) -> HttpResponse:
    """What changed in the trust's version; accept or decline each change."""
    user = user_of(request)
    framework = access.get_framework_for_user(user, framework_id, edit=True)
    update = trust.pending_update(framework)
    if update is None:
        messages.info(request, "This framework is up to date with its trust.")
        return HttpResponseRedirect(framework_url(framework))
    if request.method == "POST":
        accepted = {c.key for c in update.changes if request.POST.get(c.key) == "accept"}
        try:
            counts = trust.apply_update(
                user=user,
                framework=framework,
                accepted=accepted,
                expected_digest=request.POST.get("digest") or None,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.warning(request, message)
            # Show the changes as they are now (they may have moved on).
            framework.refresh_from_db()
            fresh = trust.pending_update(framework)
            if fresh is None:
                return HttpResponseRedirect(framework_url(framework))
            update = fresh
        else:
            messages.success(
                request,
                f"Took version {update.to_version}: {counts['accepted']} change(s) accepted, "
                f"{counts['declined']} declined. Your own additions are unchanged.",
            )
            return HttpResponseRedirect(framework_url(framework))
    return render(
        request, "curriculum/trust_update.html", {"framework": framework, "update": update}
    )
