"""Writes for analysis: band sets, closing and reopening points, confirmations, groups.

Each function validates first, then writes in one transaction and leaves an
audit entry for settings changes, closes and reopens.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model

from trackwell.accounts.models import log_action
from trackwell.core.limits import too_long
from trackwell.core.models import AssessmentPoint, School
from trackwell.curriculum.models import Framework, Subject
from trackwell.pupils.models import Pupil, PupilGroup

from .band_sets import (
    add_starting_point,
    band_set_in_snapshots,
    bands_in_snapshots,
    create_band_set,
    delete_band_set,
    derive_key,
    empty_band_set_document,
    export_band_set,
    remove_starting_point,
    save_band_set,
    set_band_set_active,
    starting_point_uses,
    update_starting_points,
)
from .evaluation import PointResults, end_of_day, evaluate_live, load_band_sets
from .models import (
    BandConfirmation,
    PointClosure,
    PupilFramework,
    PupilStartingPoint,
    Snapshot,
    SnapshotBand,
    StartingPoint,
)

__all__ = [
    "add_starting_point",
    "band_set_in_snapshots",
    "bands_in_snapshots",
    "create_band_set",
    "delete_band_set",
    "derive_key",
    "empty_band_set_document",
    "export_band_set",
    "remove_starting_point",
    "save_band_set",
    "set_band_set_active",
    "starting_point_uses",
    "update_starting_points",
]


class PointStateError(ValidationError):
    pass


@dataclass(frozen=True)
class ClosureSummary:
    closure: PointClosure
    snapshots: int
    confirmed: int


def close_point(
    *, user: Any, point: AssessmentPoint, as_of: datetime | None = None, from_history: bool = False
) -> ClosureSummary:
    """Snapshot every pupil's figures and bands, then close the point, in one transaction."""
    with transaction.atomic():
        locked = AssessmentPoint.objects.select_for_update().get(pk=point.pk)
        if locked.state == AssessmentPoint.State.CLOSED and not from_history:
            raise PointStateError("This assessment point is already closed.")
        results = evaluate_live(locked, as_of=as_of)
        closure = PointClosure.objects.create(
            school_id=locked.school_id,
            point=locked,
            closed_by=_user_or_none(user),
            from_history=from_history,
        )
        confirmed = _write_snapshots(closure, results)
        if locked.state != AssessmentPoint.State.CLOSED:
            locked.state = AssessmentPoint.State.CLOSED
            locked.save(update_fields=["state"])
        point.state = locked.state
        log_action(
            school=locked.school,
            user=user,
            action="assessment_point.close",
            obj=locked,
            old={"state": "open"},
            new={
                "state": "closed",
                "closure": closure.pk,
                "snapshots": len(results.rows),
                "from_history": from_history,
            },
        )
    return ClosureSummary(closure, len(results.rows), confirmed)


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


_SNAPSHOT_COLUMNS = (
    "id",
    "school_id",
    "closure_id",
    "point_id",
    "pupil_id",
    "subject_id",
    "school_class_id",
    "nc_year",
    "framework_id",
    "framework_year",
    "below_year",
    "starting_point_key",
    "starting_point_label",
    "objectives",
    "taught",
    "assessed",
    "secure",
    "greater_depth",
    "depth_total",
    "prev_objectives",
    "prev_secure",
    "prev_greater_depth",
)
_BAND_COLUMNS = (
    "school_id",
    "snapshot_id",
    "band_set_id",
    "suggested_id",
    "suggested_label",
    "suggested_order",
    "confirmed_id",
    "confirmed_label",
    "confirmed_order",
    "reason",
    "confirmed_by_id",
    "explanation",
)


def _insert_many(model: type[Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Every row in one statement, not model instances in batches.

    Closing a point writes a few thousand rows: Django's bulk_create builds an
    object and prepares every field of each, in batches SQLite limits to 999
    parameters. On SQLite one prepared INSERT is run for every row (executemany,
    in the same process: no round trips). On PostgreSQL the rows are streamed
    in one `COPY ... FROM STDIN`: one statement whatever the number of rows, and
    each value is written out by psycopg's C code. (An `INSERT ... SELECT FROM
    unnest()` of column arrays was one statement too, but Django's client-side
    binding wrote every array out as a quoted literal, escaping each quote of
    every stored explanation in Python: about 0.4 s of a 1 s close.) JSON columns
    are given as the text of the JSON; a text too long for its column is refused,
    as an INSERT refuses it.
    """
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    names = ", ".join(q(c) for c in columns)
    if connection.vendor != "postgresql":
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        return
    sql = f"COPY {table} ({names}) FROM STDIN"
    start = time.monotonic()
    # The driver's own cursor (Django's has no COPY), its errors given as Django's.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:
        # COPY bypasses Django's cursor wrapper: counted and timed like any other query.
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(rows)} rows", "time": f"{time.monotonic() - start:.3f}"}
        )


def _reserve_ids(model: type[Model], n: int) -> list[int]:
    """n new primary keys for `model`, taken before its rows are written (one query).

    So the rows that point at them can be built without reading the new rows back.
    On PostgreSQL they come from the table's own sequence, as an INSERT's would. On
    SQLite they follow the highest id the table ever gave (AUTOINCREMENT's record in
    sqlite_sequence, so an erased row's id is not given again); the transaction has
    written already (the closure), so it holds SQLite's one write lock and no other
    connection can take the same ids before these rows are in.
    """
    if n == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass"
                " AS seq) s, generate_series(1, %s)",
                [connection.ops.quote_name(table), pk.column, n],
            )
            return [row[0] for row in cursor.fetchall()]
        q = connection.ops.quote_name
        cursor.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"
            f" COALESCE((SELECT MAX({q(pk.column)}) FROM {q(table)}), 0))",
            [table],
        )
        last = int(cursor.fetchone()[0])
    return list(range(last + 1, last + n + 1))


def _write_snapshots(closure: PointClosure, results: PointResults) -> int:
    """Every pupil-subject's figures and bands: one query for the snapshots' ids, then two
    bulk writes (the bands know their snapshot's id without reading the snapshots back)."""
    point = results.point
    school_id = point.school_id
    ids = dict(zip(results.rows, _reserve_ids(Snapshot, len(results.rows)), strict=True))
    snapshot_rows = []
    for key, row in results.rows.items():
        m = row.metrics
        assert m is not None
        snapshot_rows.append(
            (
                ids[key],
                school_id,
                closure.pk,
                point.pk,
                row.pupil_id,
                row.subject_id,
                row.class_id,
                row.nc_year,
                row.framework_id,
                row.framework_year,
                row.below_year,
                row.starting_point,
                row.starting_label,
                m.objectives,
                m.taught,
                m.assessed,
                m.secure,
                m.greater_depth,
                m.depth_total,
                m.prev_objectives,
                m.prev_secure,
                m.prev_greater_depth,
            )
        )
    _insert_many(Snapshot, _SNAPSHOT_COLUMNS, snapshot_rows)
    band_rows = []
    confirmed = 0
    for key, row in results.rows.items():
        snapshot_id = ids[key]
        for set_id, band in row.bands.items():
            confirmed += band.confirmed is not None
            band_rows.append(
                (
                    school_id,
                    snapshot_id,
                    set_id,
                    band.suggested.pk,
                    band.suggested.label,
                    band.suggested.order,
                    band.confirmed.pk if band.confirmed else None,
                    band.confirmed.label if band.confirmed else "",
                    band.confirmed.order if band.confirmed else None,
                    band.reason,
                    None,
                    # The text json.dumps would write, from parts its decision shares.
                    band.explanation_text(),
                )
            )
    _insert_many(SnapshotBand, _BAND_COLUMNS, band_rows)
    return confirmed


def reopen_point(*, user: Any, point: AssessmentPoint, reason: str = "") -> None:
    """Open a closed point again, saying why; its snapshots stay, closing again keeps new ones."""
    if not reason.strip():
        raise PointStateError("Say why the point is being reopened.")
    with transaction.atomic():
        locked = AssessmentPoint.objects.select_for_update().get(pk=point.pk)
        if locked.state != AssessmentPoint.State.CLOSED:
            raise PointStateError("This assessment point is already open.")
        locked.state = AssessmentPoint.State.OPEN
        locked.save(update_fields=["state"])
        point.state = locked.state
        log_action(
            school=locked.school,
            user=user,
            action="assessment_point.reopen",
            obj=locked,
            old={"state": "closed"},
            new={"state": "open", "reason": reason},
        )


@dataclass(frozen=True)
class Choice:
    pupil_id: int
    band_set_id: int
    band_id: int
    reason: str = ""


def confirm_bands(
    *,
    user: Any,
    point: AssessmentPoint,
    subject: Subject,
    allowed_pupil_ids: Collection[int],
    choices: list[Choice],
) -> int:
    """Record the teacher's bands for pupils of their class, all or nothing.

    A band other than the suggestion needs a short reason.
    """
    if point.state != AssessmentPoint.State.OPEN:
        raise PointStateError("Bands can be confirmed only while the assessment point is open.")
    allowed = set(allowed_pupil_ids)
    sets = load_band_sets(point.school_id)
    bands = {b.pk: (s, b) for s in sets.active for b in s.bands}
    results = evaluate_live(
        point, pupil_ids=sorted({c.pupil_id for c in choices} & allowed), subject_ids=[subject.pk]
    )
    errors = []
    planned = []
    for choice in choices:
        if choice.pupil_id not in allowed:
            errors.append(f"pupil {choice.pupil_id}: not in this class")
            continue
        found = bands.get(choice.band_id)
        if found is None or found[0].pk != choice.band_set_id:
            errors.append(f"pupil {choice.pupil_id}: no such band in this set")
            continue
        row = results.rows.get((choice.pupil_id, subject.pk))
        current = row.bands.get(choice.band_set_id) if row else None
        if current is None:
            errors.append(f"pupil {choice.pupil_id}: no suggestion to confirm in this set")
            continue
        reason = choice.reason.strip()
        if choice.band_id != current.suggested.pk and not reason:
            errors.append(
                f"pupil {choice.pupil_id}: give a short reason for choosing "
                f"{found[1].label} rather than {current.suggested.label}"
            )
            continue
        planned.append((choice, current.suggested.pk, reason))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        changed = 0
        for choice, suggested_id, reason in planned:
            existing = BandConfirmation.objects.filter(
                point=point,
                pupil_id=choice.pupil_id,
                subject=subject,
                band_set_id=choice.band_set_id,
            ).first()
            if existing and existing.band_id == choice.band_id and existing.reason == reason:
                continue
            old = {"band": existing.band_id, "reason": existing.reason} if existing else None
            conf, _ = BandConfirmation.objects.update_or_create(
                point=point,
                pupil_id=choice.pupil_id,
                subject=subject,
                band_set_id=choice.band_set_id,
                defaults={
                    "school_id": point.school_id,
                    "band_id": choice.band_id,
                    "suggested_band_id": suggested_id,
                    "reason": reason if choice.band_id != suggested_id else "",
                    "confirmed_by": _user_or_none(user),
                },
            )
            log_action(
                school=point.school,
                user=user,
                action="band.confirm",
                obj=conf,
                old=old,
                new={"band": choice.band_id, "suggested": suggested_id, "reason": conf.reason},
            )
            changed += 1
    return changed


def set_pupil_framework(
    *, user: Any, pupil: Pupil, subject: Subject, framework: Framework | None, reason: str = ""
) -> None:
    """Track a pupil on another year's framework in a subject, or back on their class's."""
    if framework is not None and (
        framework.subject_id != subject.pk or framework.school_id != pupil.school_id
    ):
        raise ValidationError("That framework is not one of this subject's.")
    with transaction.atomic():
        existing = PupilFramework.objects.filter(pupil=pupil, subject=subject).first()
        old = {"framework": existing.framework_id} if existing else None
        if framework is None:
            if existing:
                PupilFramework.objects.filter(pk=existing.pk).delete()
            obj: Any = pupil
        else:
            obj, _ = PupilFramework.objects.update_or_create(
                pupil=pupil,
                subject=subject,
                defaults={
                    "school_id": pupil.school_id,
                    "framework": framework,
                    "reason": reason,
                    "set_by": _user_or_none(user),
                },
            )
        log_action(
            school=pupil.school,
            user=user,
            action="pupil.framework",
            obj=obj,
            old=old,
            new={"subject": subject.pk, "framework": framework.pk if framework else None},
        )


def set_starting_point(
    *,
    user: Any,
    pupil: Pupil,
    subject: Subject,
    year_id: int,
    starting_point: StartingPoint | None,
    reason: str = "",
) -> None:
    """Set a pupil's starting point by hand for a year, or go back to the derived one."""
    if starting_point is not None and starting_point.school_id != pupil.school_id:
        raise ValidationError("No such starting point.")
    with transaction.atomic():
        existing = PupilStartingPoint.objects.filter(
            pupil=pupil, subject=subject, year_id=year_id
        ).first()
        old = {"starting_point": existing.starting_point_id} if existing else None
        obj: Any = pupil
        if starting_point is None:
            if existing:
                PupilStartingPoint.objects.filter(pk=existing.pk).delete()
        else:
            obj, _ = PupilStartingPoint.objects.update_or_create(
                pupil=pupil,
                subject=subject,
                year_id=year_id,
                defaults={
                    "school_id": pupil.school_id,
                    "starting_point": starting_point,
                    "reason": reason,
                    "set_by": _user_or_none(user),
                },
            )
        log_action(
            school=pupil.school,
            user=user,
            action="pupil.starting_point",
            obj=obj,
            old=old,
            new={
                "subject": subject.pk,
                "starting_point": starting_point.pk if starting_point else None,
            },
        )


def create_group(
    *, user: Any, school: School, name: str, pupil_ids: Collection[int], description: str = ""
) -> PupilGroup:
    """A school-defined group of pupils, e.g. those sharing a gap (for an intervention)."""
    name = name.strip()
    errors = []
    if not name:
        errors.append("name: give the group a name")
    elif long_name := too_long(PupilGroup, "name", name, "name: the group's name"):
        errors.append(long_name)
    elif PupilGroup.objects.filter(school=school, name=name).exists():
        errors.append(f"name: there is already a group called '{name}'")
    ids = set(pupil_ids)
    found = set(Pupil.objects.filter(school=school, pk__in=ids).values_list("pk", flat=True))
    if not ids:
        errors.append("pupils: choose at least one pupil")
    elif found != ids:
        errors.append("pupils: some of these pupils are not at this school")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        group = PupilGroup.objects.create(school=school, name=name, description=description)
        group.pupils.add(*sorted(ids))
        log_action(
            school=school,
            user=user,
            action="group.create",
            obj=group,
            new={"name": name, "pupils": sorted(ids), "description": description},
        )
    return group


def snapshot_closed_points(*, school: School, user: Any = None) -> list[ClosureSummary]:
    """Snapshots for closed points that have none (e.g. imported or demo years), oldest first.

    Figures are counted from the judgement history as it stood at the end of
    each point's date, so the record shows what was known then.
    """
    points = list(
        AssessmentPoint.objects.filter(school=school, state=AssessmentPoint.State.CLOSED)
        .exclude(closures__isnull=False)
        .select_related("school", "year")
        .order_by("date")
    )
    return [close_point(user=user, point=p, as_of=end_of_day(p), from_history=True) for p in points]


# ---------------------------------------------------------------------------
# Band sets and starting points edited in the web app (docs/band-rules.md)
