"""Band rules (edit with a live preview, import, export), confirming bands, closing points."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis import services
from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.documents import SCHEMA, spec_from_document, validate_document
from trackwell.analysis.evaluation import (
    current_point,
    current_year,
    evaluate_live,
    load_band_sets,
    point_results,
)
from trackwell.analysis.figures import METRICS
from trackwell.analysis.models import BandConfirmation, BandSet, StartingPoint
from trackwell.analysis.rules import parse_conditions
from trackwell.core.limits import JsonLimits, LimitExceeded, load_json
from trackwell.core.models import AssessmentPoint
from trackwell.curriculum.models import PALETTE, Subject
from trackwell.pupils.models import Pupil

from .views import framework_words

MAX_BANDS: int = SCHEMA["properties"]["bands"]["maxItems"]
# A band set document nests eight levels at most (set, bands, band, rules, rule,
# conditions, condition, range); see docs/security.md for every import's limits.
BAND_IMPORT = JsonLimits(max_bytes=1_000_000, max_depth=12, max_values=50_000, max_string=5_000)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _manager(request: HttpRequest) -> User:
    """Leaders and admins; everyone else gets 404 (the page is not theirs to know of)."""
    user = _user(request)
    if not access.can_manage_assessment(user):
        raise Http404("No such page")
    return user


# ---------------------------------------------------------------------------
# Band sets


@require_safe
@login_required
def band_sets(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    return _band_sets_page(request, access.school_of(user))


def _band_sets_page(
    request: HttpRequest,
    school: Any,
    *,
    new_errors: list[str] | None = None,
    sp_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    posted: Any = request.POST if request.method == "POST" else {}
    starts = list(StartingPoint.objects.filter(school=school))
    return render(
        request,
        "reports/band_sets.html",
        {
            "sets": BandSet.objects.filter(school=school).prefetch_related("bands"),
            "sp_rows": [
                (
                    sp,
                    posted.get(f"sp-{sp.pk}-label", sp.label),
                    posted.get(f"sp-{sp.pk}-description", sp.description),
                )
                for sp in starts
            ],
            "sp_new": {
                "key": posted.get("new-key", ""),
                "label": posted.get("new-label", ""),
                "description": posted.get("new-description", ""),
            },
            "kinds": BandSet.Kind.choices,
            "new_errors": new_errors or [],
            "sp_errors": sp_errors or [],
            "posted": posted,
        },
        status=status,
    )


@require_POST
@login_required
def band_set_new(request: HttpRequest) -> HttpResponse:
    """A new band set, empty ('Not yet' and 'Yes') or a copy of one of the school's sets."""
    user = _manager(request)
    school = access.school_of(user)
    copy = request.POST.get("copy", "")
    source = None
    if copy:
        if not copy.isdigit():
            return _band_sets_page(
                request, school, new_errors=["copy: choose a band set"], status=400
            )
        source = get_object_or_404(BandSet, school=school, pk=int(copy))
    try:
        band_set = services.create_band_set(
            user=user,
            school=school,
            name=request.POST.get("name", "")[:200],
            kind=request.POST.get("kind", ""),
            copy_of=source,
            active=request.POST.get("active") == "on",
        )
    except ValidationError as exc:
        return _band_sets_page(request, school, new_errors=exc.messages, status=400)
    messages.success(
        request,
        f"Made the band set '{band_set.name}'"
        + (f" as a copy of '{source.name}'." if source else ".")
        + ("" if band_set.is_active else " It is not in use until you tick 'In use' and save."),
    )
    return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]))


@require_POST
@login_required
def band_set_delete(request: HttpRequest, set_id: int) -> HttpResponse:
    """Delete a band set no snapshot uses, once confirmed on the editor page."""
    user = _manager(request)
    band_set = get_object_or_404(BandSet, school=access.school_of(user), pk=set_id)
    if request.POST.get("confirm") != "yes":
        messages.warning(request, "Tick the box to confirm deleting the band set.")
        return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]) + "#delete")
    try:
        services.delete_band_set(user=user, band_set=band_set)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]) + "#delete")
    messages.success(request, f"Deleted the band set '{band_set.name}'.")
    return HttpResponseRedirect(reverse("report-band-sets"))


@require_POST
@login_required
def band_set_active(request: HttpRequest, set_id: int) -> HttpResponse:
    """Start or stop using a band set (a set in closed snapshots is kept, not deleted)."""
    user = _manager(request)
    band_set = get_object_or_404(BandSet, school=access.school_of(user), pk=set_id)
    active = request.POST.get("active") == "yes"
    services.set_band_set_active(user=user, band_set=band_set, active=active)
    messages.success(
        request,
        f"'{band_set.name}' is in use: suggested, confirmed and kept at each point."
        if active
        else f"'{band_set.name}' is no longer in use; its closed records are kept.",
    )
    back = request.POST.get("next") == "set"
    return HttpResponseRedirect(
        reverse("report-band-set", args=[band_set.pk]) if back else reverse("report-band-sets")
    )


@require_POST
@login_required
def starting_points(request: HttpRequest) -> HttpResponse:
    """Rename and describe the school's starting points, and add one; keys never change."""
    user = _manager(request)
    school = access.school_of(user)
    post = request.POST
    changes = {
        sp.pk: (
            post.get(f"sp-{sp.pk}-label", sp.label),
            post.get(f"sp-{sp.pk}-description", sp.description),
        )
        for sp in StartingPoint.objects.filter(school=school)
        if f"sp-{sp.pk}-label" in post
    }
    label = post.get("new-label", "").strip()
    try:
        with transaction.atomic():
            changed = services.update_starting_points(user=user, school=school, changes=changes)
            added = (
                services.add_starting_point(
                    user=user,
                    school=school,
                    label=label,
                    key=post.get("new-key", ""),
                    description=post.get("new-description", ""),
                )
                if label
                else None
            )
    except ValidationError as exc:
        return _band_sets_page(request, school, sp_errors=exc.messages, status=400)
    words = []
    if changed:
        words.append(f"saved {changed} starting point{'s' if changed != 1 else ''}")
    if added:
        words.append(f"added '{added.label}' (key {added.key})")
    messages.success(request, (" and ".join(words) or "nothing to change").capitalize() + ".")
    return HttpResponseRedirect(reverse("report-band-sets") + "#starting-points")


@require_POST
@login_required
def starting_point_remove(request: HttpRequest, sp_id: int) -> HttpResponse:
    """Remove a starting point nothing uses; otherwise say where it is used."""
    user = _manager(request)
    sp = get_object_or_404(StartingPoint, school=access.school_of(user), pk=sp_id)
    try:
        services.remove_starting_point(user=user, starting_point=sp)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Removed the starting point '{sp.label}'.")
    return HttpResponseRedirect(reverse("report-band-sets") + "#starting-points")


@require_POST
@login_required
def band_defaults(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    made = create_default_bands(access.school_of(user), user)
    messages.success(
        request,
        f"Added {len(made)} default band set{'s' if len(made) != 1 else ''}."
        if made
        else "The default band sets are already here.",
    )
    return HttpResponseRedirect(reverse("report-band-sets"))


@require_POST
@login_required
def band_import(request: HttpRequest) -> HttpResponse:
    """Create or replace a band set from an uploaded JSON document, all or nothing."""
    user = _manager(request)
    upload = request.FILES.get("file")
    if upload is not None and upload.size is not None and upload.size > BAND_IMPORT.max_bytes:
        return _import_errors(
            request,
            [f"(document): the file is {upload.size:,} bytes; at most "
             f"{BAND_IMPORT.max_bytes:,} are allowed."],
        )  # fmt: skip
    raw = upload.read() if upload else request.POST.get("document", "").encode()
    try:
        doc = load_json(raw, BAND_IMPORT)
    except LimitExceeded as exc:
        return _import_errors(request, [f"(document): {exc}"])
    except (ValueError, UnicodeDecodeError) as exc:
        return _import_errors(request, [f"(document): not valid JSON: {exc}"])
    try:
        band_set = services.save_band_set(user=user, school=access.school_of(user), doc=doc)
    except ValidationError as exc:
        return _import_errors(request, exc.messages)
    messages.success(request, f"Imported the band set '{band_set.name}'.")
    return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]))


def _import_errors(request: HttpRequest, errors: list[str]) -> HttpResponse:
    return render(request, "reports/band_import_errors.html", {"errors": errors}, status=400)


@require_safe
@login_required
def band_export(request: HttpRequest, set_id: int) -> HttpResponse:
    user = _manager(request)
    band_set = get_object_or_404(BandSet, school=access.school_of(user), pk=set_id)
    response = JsonResponse(services.export_band_set(band_set), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="band-set-{band_set.pk}.json"'
    return response


def _document_from_post(
    post: Any, current: dict[str, Any]
) -> tuple[dict[str, Any], list[str], set[str]]:
    """The editor's form as a band set document; errors name the row.

    The form carries the bands in order (`band-count`, `band-N-key`), so bands
    added, removed or moved on screen round-trip before they are saved. Rules of
    a removed band go with it. Returns the document, the errors and the keys of
    the bands removed on screen.
    """
    errors: list[str] = []
    doc = dict(current)
    doc["name"] = post.get("name", current["name"]).strip()
    doc["description"] = post.get("description", "")
    doc["active"] = post.get("active") == "on"
    saved = {b["key"]: b for b in current["bands"]}
    if "band-count" in post:
        count = _int(post.get("band-count"), 0)
        keys = [post.get(f"band-{i}-key", "").strip() for i in range(min(count, 20))]
    else:  # a form from before bands could be added or moved: rows in saved order
        keys = list(saved)
    rows: list[dict[str, Any]] = []
    removed: set[str] = set()
    for index, key in enumerate(keys):
        prefix = f"band-{index}-"
        band = saved.get(key) or {"key": key, "label": "", "description": ""}
        row = {
            **band,
            "label": post.get(prefix + "label", band["label"]).strip(),
            "parent_label": post.get(prefix + "parent_label", band.get("parent_label", "")),
            "colour": post.get(prefix + "colour", band.get("colour", "#c6dbef")),
            "meets_expectation": post.get(prefix + "meets") == "on",
            "next_starting_point": post.get(prefix + "next", band.get("next_starting_point", "")),
            "rules": [],
        }
        if post.get(prefix + "remove") == "on":
            removed.add(key)
            continue
        position = _int(post.get(prefix + "position"), index + 1)
        if position < 1:
            errors.append(f"band '{row['label'] or key}': a position is a number from 1")
            position = index + 1
        rows.append({"band": row, "index": index, "position": position})
    # Bands given a new position number move there; the others keep their order.
    stay = [r for r in rows if r["position"] == r["index"] + 1]
    for moved in sorted(
        (r for r in rows if r["position"] != r["index"] + 1), key=lambda r: r["position"]
    ):
        stay.insert(min(moved["position"] - 1, len(stay)), moved)
    bands = [r["band"] for r in stay]
    action = post.get("action", "")
    for direction, step in (("lower-", -1), ("higher-", 1)):
        if action.startswith(direction) and action[len(direction) :].isdigit():
            at = next(
                (i for i, r in enumerate(stay) if r["index"] == int(action[len(direction) :])),
                None,
            )
            if at is not None and 0 <= at + step < len(bands):
                bands[at], bands[at + step] = bands[at + step], bands[at]
    new_label = post.get("new-label", "").strip()
    if new_label:
        key = services.derive_key(new_label, {*keys, *saved})
        place = post.get("new-place", "")
        keys_now = [b["key"] for b in bands]
        at = (
            0
            if place == "lowest"
            else keys_now.index(place) + 1
            if place in keys_now
            else len(bands)
        )
        used = {b["colour"].lower() for b in bands}
        colour = next((c for c in _NEW_BAND_COLOURS if c not in used), _NEW_BAND_COLOURS[1])
        bands.insert(
            at,
            {
                "key": key,
                "label": new_label,
                "parent_label": post.get("new-parent_label", "").strip(),
                "description": "",
                "colour": colour,
                "meets_expectation": False,
                "next_starting_point": "",
                "rules": [],
            },
        )
    elif action == "add":
        errors.append("new band: give it a label")
    by_key = {b["key"]: b for b in bands}
    # Capped: a form cannot ask for more rules than a set of bands could use.
    for r_index in range(min(_int(post.get("rule-count"), 0), MAX_BANDS * 50)):
        prefix = f"rule-{r_index}-"
        text = post.get(prefix + "conditions", "").strip()
        if not text:
            continue
        band_key = post.get(prefix + "band", "")
        if band_key in removed:
            continue  # the band's rules go with it
        if band_key not in by_key:
            errors.append(f"rule {r_index + 1}: choose a band")
            continue
        try:
            conditions = parse_conditions(text)
        except ValueError as exc:
            errors.append(f"rule {r_index + 1}: {exc}")
            continue
        by_key[band_key]["rules"].append(
            {
                "point": post.get(prefix + "point", "").strip(),
                "starting_point": post.get(prefix + "start", ""),
                "conditions": conditions,
            }
        )
    if len(bands) > MAX_BANDS:
        errors.append(f"bands: a set has at most {MAX_BANDS} bands")
    elif len(bands) < 2:
        errors.append("bands: a set needs at least two bands (the lowest and one above it)")
    doc["bands"] = bands
    return doc, errors, removed


# Calm colours for a new band: the sequential blues of the palette, one not yet in the set.
_NEW_BAND_COLOURS = [hex_ for hex_, _, _ in PALETTE[:6]]


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _changes(band_set: BandSet, current: dict[str, Any], doc: dict[str, Any]) -> list[str]:
    """The bands added, removed and moved on screen, in words, before saving."""
    saved = {b["key"]: b for b in current["bands"]}
    now = [b["key"] for b in doc["bands"]]
    gone = [k for k in saved if k not in now]
    lines = [f"Adds '{b['label']}'." for b in doc["bands"] if b["key"] not in saved]
    kept = services.bands_in_snapshots(band_set) & set(gone) if gone else set()
    for key in gone:
        n = len(saved[key].get("rules", []))
        line = f"Removes '{saved[key]['label']}'" + (
            f" and its {n} rule{'s' if n != 1 else ''}." if n else "."
        )
        if key in kept:
            line += (
                " It appears in closed snapshots, so saving will be refused: keep it "
                "(you may rename it)."
            )
        confirmed = BandConfirmation.objects.filter(band_set=band_set, band__key=key).count()
        if confirmed:
            line += (
                f" Teachers have confirmed it for {confirmed} pupil record"
                f"{'s' if confirmed != 1 else ''} at open points, so saving will be refused "
                "until they confirm another band."
            )
        lines.append(line)
    if lines or [k for k in now if k in saved] != [k for k in saved if k in now]:
        lines.append("Order, lowest first: " + ", ".join(b["label"] for b in doc["bands"]) + ".")
    return lines


def _preview(school_id: int, doc: dict[str, Any]) -> dict[str, Any] | None:
    """How many pupils each band would hold now under these rules, beside the saved rules."""
    year = current_year(school_id)
    point = current_point(year) if year else None
    if point is None:
        return None
    spec = spec_from_document(doc)
    saved = load_band_sets(school_id)
    results = evaluate_live(point, sets=saved)
    counts: Counter[str] = Counter()
    by_subject: dict[int, Counter[str]] = {}
    progress = doc["kind"] == BandSet.Kind.PROGRESS
    for row in results.rows.values():
        if progress and "band_change" not in row.figures:
            continue
        band = spec.evaluate(row.figures, point.name, row.starting_point).band.key
        counts[band] += 1
        by_subject.setdefault(row.subject_id, Counter())[band] += 1
    subjects = list(Subject.objects.filter(school_id=school_id))
    total = sum(counts.values())
    return {
        "point": point,
        "total": total,
        "bands": [
            {
                "band": b,
                "count": counts[b.key],
                "pct": round(100 * counts[b.key] / total) if total else 0,
                "subjects": [by_subject.get(s.pk, Counter())[b.key] for s in subjects],
            }
            for b in sorted(spec.bands, key=lambda b: -b.order)
        ],
        "subjects": subjects,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def band_set_edit(request: HttpRequest, set_id: int) -> HttpResponse:
    """Edit a band set's bands, wording, colours and rules, with a live preview before saving.

    Bands can be added, removed and moved: the form carries them in order, so
    each preview shows the set as it stands on screen, and saving is all or
    nothing (a band in closed snapshots cannot be removed).
    """
    user = _manager(request)
    school = access.school_of(user)
    band_set = get_object_or_404(BandSet, school=school, pk=set_id)
    current = services.export_band_set(band_set)
    doc = current
    errors: list[str] = []
    changes: list[str] = []
    saved = False
    if request.method == "POST":
        doc, errors, _ = _document_from_post(request.POST, current)
        changes = _changes(band_set, current, doc)
        if not errors:
            known = StartingPoint.objects.filter(school=school).values_list("key", flat=True)
            errors = validate_document(doc, known)
        if not errors and request.POST.get("action") == "save":
            try:
                services.save_band_set(user=user, school=school, doc=doc, band_set=band_set)
            except ValidationError as exc:
                errors = exc.messages
            else:
                saved = True
    preview = _preview(school.pk, doc) if not errors else None
    if saved:
        messages.success(request, f"Saved the band set '{doc['name']}'.")
        return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]))
    context = {
        "band_set": band_set,
        "doc": doc,
        "errors": errors,
        "changes": changes,
        "preview": preview,
        "rules": [
            {"band": b["key"], **r, "text": "; ".join(_condition_text(c) for c in r["conditions"])}
            for b in doc["bands"]
            for r in b.get("rules", [])
        ]
        + [{"band": "", "point": "", "starting_point": "", "text": ""}] * 3,
        "starting_points": StartingPoint.objects.filter(school=school),
        "metrics": METRICS.values(),
        "points": sorted(
            set(AssessmentPoint.objects.filter(school=school).values_list("name", flat=True))
        ),
        "in_snapshots": services.band_set_in_snapshots(band_set),
        "max_bands": MAX_BANDS,
    }
    if request.headers.get("X-Requested-With") == "preview":
        return render(request, "reports/_band_preview.html", context, status=400 if errors else 200)
    return render(request, "reports/band_set.html", context, status=400 if errors else 200)


def _condition_text(c: dict[str, Any]) -> str:
    if c["op"] == "between":
        return f"{c['metric']} between {c['value'][0]:g} and {c['value'][1]:g}"
    return f"{c['metric']} {c['op']} {c['value']:g}"


# ---------------------------------------------------------------------------
# Confirming bands


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def confirm_bands(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Suggested bands; the teacher confirms each or chooses another with a reason."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id, edit=request.method == "POST")
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    year = current_year(school_class.school_id)
    point = current_point(year) if year else None
    if point is None:
        raise Http404("No assessment point")
    pupils = list(
        Pupil.objects.filter(enrolments__school_class=school_class).order_by(
            "last_name", "first_name", "pk"
        )
    )
    ids = [p.pk for p in pupils]
    errors: list[str] = []
    if request.method == "POST":
        choices = []
        sets = load_band_sets(school_class.school_id)
        for pupil_id in ids:
            for loaded in sets.active:
                value = request.POST.get(f"band-{pupil_id}-{loaded.pk}", "")
                if not value:
                    continue
                if not value.isdigit():
                    return HttpResponse("band: not a band", status=400)
                choices.append(
                    services.Choice(
                        pupil_id,
                        loaded.pk,
                        int(value),
                        request.POST.get(f"reason-{pupil_id}-{loaded.pk}", "")[:300],
                    )
                )
        try:
            changed = services.confirm_bands(
                user=user, point=point, subject=subject, allowed_pupil_ids=ids, choices=choices
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"Saved {changed} band{'s' if changed != 1 else ''}.")
            return HttpResponseRedirect(
                reverse("report-confirm", args=[school_class.pk, subject.slug])
            )
    results = point_results(point, pupil_ids=ids, subject_ids=[subject.pk])
    rows = []
    for pupil in pupils:
        r = results.rows.get((pupil.pk, subject.pk))
        rows.append(
            {
                "pupil": pupil,
                "result": r,
                "framework": framework_words(r.nc_year, r.framework_year)
                if r and r.below_year
                else "",
                "bands": [
                    (loaded, r.bands.get(loaded.pk) if r else None)
                    for loaded in results.sets.active
                ],
            }
        )
    return render(
        request,
        "reports/confirm.html",
        {
            "school_class": school_class,
            "subject": subject,
            "subjects": Subject.objects.filter(school_id=school_class.school_id),
            "point": point,
            "rows": rows,
            "sets": results.sets.active,
            "errors": errors,
            "posted": request.POST if errors else {},
            "is_open": point.state == AssessmentPoint.State.OPEN,
            "can_edit": access.can_edit_class(user, school_class),
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------------------
# Assessment points


def _point_for(user: User, point_id: int) -> AssessmentPoint:
    return get_object_or_404(
        AssessmentPoint.objects.select_related("year", "school"),
        school=access.school_of(user),
        pk=point_id,
    )


@require_safe
@login_required
def points(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    school = access.school_of(user)
    return render(
        request,
        "reports/points.html",
        {
            "points": AssessmentPoint.objects.filter(school=school)
            .select_related("year")
            .order_by("-year__start_date", "date"),
            "has_bands": BandSet.objects.filter(school=school).exists(),
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def close_point(request: HttpRequest, point_id: int) -> HttpResponse:
    user = _manager(request)
    point = _point_for(user, point_id)
    if request.POST.get("confirm") != "yes":
        # Closing is asked for on its own page first: the date, and bands still unconfirmed.
        return HttpResponseRedirect(reverse("report-point-close-confirm", args=[point.pk]))
    try:
        summary = services.close_point(user=user, point=point)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Closed {point.name} {point.year.name}: {summary.snapshots} pupil records kept, "
            f"{summary.confirmed} confirmed bands.",
        )
    return HttpResponseRedirect(reverse("report-points"))


@require_POST
@login_required
def reopen_point(request: HttpRequest, point_id: int) -> HttpResponse:
    user = _manager(request)
    point = _point_for(user, point_id)
    reason = request.POST.get("reason", "").strip()[:200]
    if not reason:
        messages.warning(
            request,
            f"Say why {point.name} {point.year.name} is being reopened: the reason is kept.",
        )
        return HttpResponseRedirect(reverse("report-points"))
    try:
        services.reopen_point(user=user, point=point, reason=reason)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Reopened {point.name} {point.year.name}. Its earlier record is kept; closing it "
            "again keeps a new one.",
        )
    return HttpResponseRedirect(reverse("report-points"))


@require_safe
@login_required
def differences(request: HttpRequest, point_id: int) -> HttpResponse:
    """Where teachers' confirmed bands differ from the suggestions, with their reasons."""
    user = _user(request)
    if not access.sees_pupils(user) or user.role not in access.WHOLE_SCHOOL_READ:
        raise Http404("No such page")
    point = _point_for(user, point_id)
    results = point_results(point)
    subjects = {s.pk: s for s in Subject.objects.filter(school_id=point.school_id)}
    rows = [(r, band) for r in results.rows.values() for band in r.bands.values() if band.differs]
    pupils = Pupil.objects.in_bulk({r.pupil_id for r, _ in rows})
    unconfirmed = sum(
        1 for r in results.rows.values() for b in r.bands.values() if not b.is_confirmed
    )
    return render(
        request,
        "reports/differences.html",
        {
            "point": point,
            "rows": sorted(
                [
                    {"pupil": pupils[r.pupil_id], "subject": subjects.get(r.subject_id), "band": b}
                    for r, b in rows
                ],
                key=lambda x: (x["pupil"].last_name, x["pupil"].first_name),
            ),
            "unconfirmed": unconfirmed,
        },
    )
