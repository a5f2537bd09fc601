"""The band set editor: bands, wording, colours and rules, with a live preview before saving."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from trackwell.accounts import access
from trackwell.analysis import services
from trackwell.analysis.documents import spec_from_document, validate_document
from trackwell.analysis.evaluation import (
    current_point,
    current_year,
    evaluate_live,
    load_band_sets,
)
from trackwell.analysis.figures import METRICS
from trackwell.analysis.models import BandConfirmation, BandSet, StartingPoint
from trackwell.analysis.rules import parse_conditions
from trackwell.core.models import AssessmentPoint
from trackwell.core.versioning import EditConflict, parse_version
from trackwell.curriculum.models import PALETTE, Subject
from trackwell.pupils.models import NC_YEAR_CHOICES, SchoolClass

from .band_common import MAX_BANDS, _manager


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
    if "set-options" in post:  # the editor's points and "not banded" fields are on the form
        chosen = [p.strip() for p in post.getlist("points") if p.strip()]
        doc["points"] = list(dict.fromkeys(chosen))  # in the form's order, once each
        doc["not_banded"] = post.get("not_banded") == "on"
        if not doc["points"]:
            doc.pop("points", None)
        if not doc["not_banded"]:
            doc.pop("not_banded", None)
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
            "colour": post.get(prefix + "colour", band.get("colour", "#5a8fc4")),
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
        index = action[len(direction) :]
        # A band's place in the list: a few ASCII digits (int() refuses 4,300 or more).
        if action.startswith(direction) and index.isascii() and index.isdigit() and len(index) < 6:
            at = next((i for i, r in enumerate(stay) if r["index"] == int(index)), None)
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
        years = sorted({_int(y, -1) for y in post.getlist(prefix + "years")})
        if any(y not in _YEARS for y in years):
            errors.append(f"rule {r_index + 1}: a year group is Reception or Year 1 to 13")
            continue
        by_key[band_key]["rules"].append(
            {
                "point": post.get(prefix + "point", "").strip(),
                "starting_point": post.get(prefix + "start", ""),
                **({"years": years} if years else {}),
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


_YEARS = {year for year, _ in NC_YEAR_CHOICES}


def _year_choices(school_id: int, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The year groups a rule can tick: the school's classes' years and any a rule names."""
    named = {y for b in doc["bands"] for r in b.get("rules", []) for y in r.get("years", [])}
    years = set(SchoolClass.objects.filter(school_id=school_id).values_list("nc_year", flat=True))
    return [
        {"value": y, "short": "R" if y == 0 else f"Y{y}", "label": label}
        for y, label in NC_YEAR_CHOICES
        if y in years | named
    ]


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
    if current.get("points", []) != doc.get("points", []):
        lines.append("Applies at: " + (", ".join(doc.get("points", [])) or "every point") + ".")
    if bool(current.get("not_banded")) != bool(doc.get("not_banded")):
        lines.append(
            "Pupils no rule places will be "
            + ("not banded." if doc.get("not_banded") else "in the lowest band.")
        )
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
        band = spec.evaluate(row.figures, point.name, row.starting_point, year=row.nc_year).band.key
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
    conflict: EditConflict | None = None
    if request.method == "POST":
        doc, errors, _ = _document_from_post(request.POST, current)
        changes = _changes(band_set, current, doc)
        if not errors:
            known = StartingPoint.objects.filter(school=school).values_list("key", flat=True)
            errors = validate_document(doc, known)
        if not errors and request.POST.get("action") == "save":
            try:
                services.save_band_set(
                    user=user,
                    school=school,
                    doc=doc,
                    band_set=band_set,
                    expected_version=parse_version(request.POST.get("version")),
                )
            except EditConflict as exc:
                conflict = exc
                band_set.refresh_from_db(fields=["version"])
            except ValidationError as exc:
                errors = exc.messages
            else:
                saved = True
    preview = _preview(school.pk, doc) if not errors else None
    point_names = sorted(
        set(AssessmentPoint.objects.filter(school=school).values_list("name", flat=True))
    )
    if saved:
        messages.success(request, f"Saved the band set '{doc['name']}'.")
        return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]))
    context = {
        "band_set": band_set,
        "conflict": conflict,
        "doc": doc,
        "errors": errors,
        "changes": changes,
        "preview": preview,
        "rules": [
            {
                "band": b["key"],
                "years": [],
                **r,
                "text": "; ".join(_condition_text(c) for c in r["conditions"]),
                # A point written otherwise than the school's (e.g. 'spring' for 'Spring',
                # as imported) is offered as it is, so saving unchanged keeps it exactly.
                "own_point": r.get("point", "") not in {"", *point_names},
            }
            for b in doc["bands"]
            for r in b.get("rules", [])
        ]
        + [{"band": "", "point": "", "starting_point": "", "years": [], "text": ""}] * 3,
        "starting_points": StartingPoint.objects.filter(school=school),
        "metrics": METRICS.values(),
        "points": point_names,
        "years": _year_choices(school.pk, doc),
        # The set's points as saved or imported (e.g. 'SUMMER'), then the school's others.
        "set_points": [
            *doc.get("points", []),
            *[
                p
                for p in point_names
                if p.casefold() not in {q.casefold() for q in doc.get("points", [])}
            ],
        ],
        "in_snapshots": services.band_set_in_snapshots(band_set),
        "max_bands": MAX_BANDS,
    }
    if request.headers.get("X-Requested-With") == "preview":
        return render(request, "reports/_band_preview.html", context, status=400 if errors else 200)
    status = 409 if conflict else 400 if errors else 200
    return render(request, "reports/band_set.html", context, status=status)


def _condition_text(c: dict[str, Any]) -> str:
    if c["op"] == "between":
        return f"{c['metric']} between {c['value'][0]:g} and {c['value'][1]:g}"
    return f"{c['metric']} {c['op']} {c['value']:g}"


# ---------------------------------------------------------------------------
