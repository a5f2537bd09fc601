"""Import benchmarks: a 420-pupil MIS file and a OneRoster bundle, first and unchanged again.

Each is timed beside a plain-SQL baseline doing the same rows' work in the same
run (inserting the pupils and their enrolments with executemany; reading them
back with one SELECT for the re-import), with its query count and the peak
Python memory of the import. Run alone with `python -m bench.imports`, or as
part of `make bench`.
"""

from __future__ import annotations

import csv
import io
import random
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

PUPILS = 420
CLASSES = 14  # two forms of Reception to Year 6


@dataclass
class Case:
    name: str
    seconds: float
    baseline: float
    queries: int
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline if self.baseline else float("inf")


def _measure(fn: Callable[[], Any]) -> tuple[float, int, float, Any]:
    """Seconds, queries and peak Python memory (MB) of one call, and its result."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the query log keeps 9,000 at most; count from an empty one
    tracemalloc.start()
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, len(ctx.captured_queries), peak / 1e6, result


def _people(seed: int) -> list[dict[str, Any]]:
    from trackwell.pupils.upn import make_upn

    rng = random.Random(seed)
    first = ["Amara", "Oliver", "Zoë", "Siobhán", "Mohammed", "Isla", "Kacper", "Ada", "Noah"]
    last = ["O'Brien", "Smith-Jones", "Nguyễn", "Kowalski", "Patel", "Evans", "Adeyemi", "Lee"]
    people = []
    for i in range(PUPILS):
        nc_year = i * 7 // PUPILS
        people.append(
            {
                "upn": make_upn(820, 4001, 20, i),
                "first": rng.choice(first),
                "last": rng.choice(last),
                "dob": date(2019 - nc_year, 1 + i % 12, 1 + i % 28),
                "sex": "F" if i % 2 else "M",
                "nc_year": nc_year,
                "class": f"{'R' if nc_year == 0 else nc_year} {'Oak' if i % 2 else 'Ash'}",
                "fsm": rng.random() < 0.2,
                "sen": rng.choice("NNNNNNKKE"),
            }
        )
    return people


def _mis_file(people: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "UPN",
            "Legal Surname",
            "Legal Forename",
            "DOB",
            "Gender",
            "Year",
            "Reg Group",
            "FSM Eligible",
            "SEN Status",
        ]
    )
    for p in people:
        writer.writerow(
            [
                p["upn"],
                p["last"],
                p["first"],
                p["dob"].strftime("%d/%m/%Y"),
                p["sex"],
                "R" if p["nc_year"] == 0 else f"Year {p['nc_year']}",
                p["class"],
                "Y" if p["fsm"] else "N",
                p["sen"],
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def _oneroster_bundle(people: list[dict[str, Any]]) -> bytes:
    def table(header: list[str], rows: list[list[Any]]) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue()

    classes = sorted({p["class"] for p in people})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(
            "manifest.csv", table(["propertyName", "value"], [["oneroster.version", "1.1"]])
        )
        bundle.writestr(
            "orgs.csv", table(["sourcedId", "name", "type"], [["sch", "Bench Primary", "school"]])
        )
        bundle.writestr(
            "classes.csv",
            table(
                ["sourcedId", "title", "schoolSourcedId", "grades"],
                [[f"c{i}", name, "sch", name.split()[0]] for i, name in enumerate(classes)],
            ),
        )
        users = [
            [f"u{i}", "student", p["first"], p["last"], p["upn"], "sch", "", p["nc_year"]]
            for i, p in enumerate(people)
        ]
        users += [
            [f"t{i}", "teacher", "Teacher", f"Number {i}", "", "sch", f"t{i}@bench.example", ""]
            for i in range(len(classes))
        ]
        bundle.writestr(
            "users.csv",
            table(
                [
                    "sourcedId",
                    "role",
                    "givenName",
                    "familyName",
                    "identifier",
                    "orgSourcedIds",
                    "email",
                    "grades",
                ],
                users,
            ),
        )
        bundle.writestr(
            "demographics.csv",
            table(
                ["userSourcedId", "birthDate", "sex"],
                [
                    [f"u{i}", p["dob"].isoformat(), "female" if p["sex"] == "F" else "male"]
                    for i, p in enumerate(people)
                ],
            ),
        )
        index = {name: i for i, name in enumerate(classes)}
        enrolments = [
            [f"e{i}", f"c{index[p['class']]}", "sch", f"u{i}", "student"]
            for i, p in enumerate(people)
        ]
        enrolments += [[f"te{i}", f"c{i}", "sch", f"t{i}", "teacher"] for i in range(len(classes))]
        bundle.writestr(
            "enrollments.csv",
            table(
                ["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
                enrolments,
            ),
        )
    return buffer.getvalue()


def _school(name: str) -> Any:
    from trackwell.core.models import AcademicYear, School

    school = School.objects.create(name=name)
    AcademicYear.objects.create(
        school=school,
        name="2026/27",
        start_date=date(2026, 9, 1),
        end_date=date(2027, 8, 31),
        is_current=True,
    )
    return school


def _baseline_insert(school: Any, people: list[dict[str, Any]]) -> float:
    """Plain SQL: the same pupils, classes and enrolments inserted with executemany, rolled back."""
    from django.db import connection, transaction

    from trackwell.core.models import AcademicYear

    year = AcademicYear.objects.get(school=school, is_current=True)
    classes = sorted({p["class"] for p in people})
    start = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO pupils_schoolclass (school_id, year_id, name, nc_year, version) "
                "VALUES (%s, %s, %s, %s, 1)",
                [(school.pk, year.pk, name, 0) for name in classes],
            )
            cursor.execute("SELECT id, name FROM pupils_schoolclass WHERE year_id = %s", [year.pk])
            class_ids = dict((name, pk) for pk, name in cursor.fetchall())
            cursor.executemany(
                "INSERT INTO pupils_pupil (school_id, upn, first_name, last_name, date_of_birth, "
                "sex, nc_year, disadvantaged, fsm, sen_status, eal, looked_after, version, "
                "leaving_reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1, '')",
                [
                    (
                        school.pk,
                        p["upn"],
                        p["first"],
                        p["last"],
                        p["dob"],
                        p["sex"],
                        p["nc_year"],
                        False,
                        p["fsm"],
                        p["sen"],
                        False,
                        False,
                    )
                    for p in people
                ],
            )
            cursor.execute("SELECT id, upn FROM pupils_pupil WHERE school_id = %s", [school.pk])
            pupil_ids = dict((upn, pk) for pk, upn in cursor.fetchall())
            cursor.executemany(
                "INSERT INTO pupils_enrolment (school_id, pupil_id, school_class_id) "
                "VALUES (%s, %s, %s)",
                [(school.pk, pupil_ids[p["upn"]], class_ids[p["class"]]) for p in people],
            )
            raise _Rollback
    except _Rollback:
        pass
    return time.perf_counter() - start


class _Rollback(Exception):
    pass


def _baseline_read(school: Any) -> float:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.upn, p.first_name, p.last_name, p.date_of_birth, p.sex, p.nc_year, "
            "p.fsm, p.sen_status, c.name FROM pupils_pupil p LEFT JOIN pupils_enrolment e ON "
            "e.pupil_id = p.id LEFT JOIN pupils_schoolclass c ON c.id = e.school_class_id "
            "WHERE p.school_id = %s",
            [school.pk],
        )
        cursor.fetchall()
    return time.perf_counter() - start


def run() -> list[Case]:
    """Run the import cases and print them (Django must be set up)."""
    from django.conf import settings

    from trackwell.interop import pipeline

    settings.DEBUG = True  # the query capture needs the debug cursor
    cases: list[Case] = []
    people = _people(11)

    # 1. MIS CSV: 420 pupils into 14 new classes, then the same file again.
    school = _school("Bench MIS Primary")
    baseline = _baseline_insert(school, people)
    data = _mis_file(people)

    def mis() -> Any:
        return pipeline.apply_now(user=None, school=school, kind="pupils", data=data, options={})

    seconds, queries, peak, (prepared, _) = _measure(mis)
    assert not prepared.problems, prepared.problems[:3]
    cases.append(
        Case(
            f"MIS CSV import, {PUPILS} pupils, {CLASSES} classes",
            seconds,
            baseline,
            queries,
            f"peak Python memory {peak:.1f} MB; baseline: executemany INSERTs",
        )
    )
    again_baseline = _baseline_read(school)
    seconds, queries, peak, (prepared, _) = _measure(mis)
    assert prepared.plan is not None and not prepared.plan.changes
    cases.append(
        Case(
            "MIS CSV re-import, unchanged file",
            seconds,
            again_baseline,
            queries,
            f"peak {peak:.1f} MB; nothing written; baseline: one SELECT of the pupils",
        )
    )

    # 2. OneRoster: the same pupils with their teachers as a bundle, then again.
    school = _school("Bench OneRoster Primary")
    baseline = _baseline_insert(school, people)
    bundle = _oneroster_bundle(people)

    def roster() -> Any:
        return pipeline.apply_now(
            user=None, school=school, kind="oneroster", data=bundle, options={}
        )

    seconds, queries, peak, (prepared, _) = _measure(roster)
    assert not prepared.problems, prepared.problems[:3]
    cases.append(
        Case(
            f"OneRoster bundle, {PUPILS} pupils, {CLASSES} teachers",
            seconds,
            baseline,
            queries,
            f"peak Python memory {peak:.1f} MB; baseline: executemany INSERTs",
        )
    )
    again_baseline = _baseline_read(school)
    seconds, queries, peak, (prepared, _) = _measure(roster)
    assert prepared.plan is not None and not prepared.plan.changes, prepared.plan
    cases.append(
        Case(
            "OneRoster re-import, unchanged bundle",
            seconds,
            again_baseline,
            queries,
            f"peak {peak:.1f} MB; nothing written; baseline: one SELECT of the pupils",
        )
    )

    print()
    print(f"Imports ({PUPILS} pupils)")
    print(f"{'case':<48} {'time':>10} {'baseline':>10} {'ratio':>8} {'queries':>8}")
    for c in cases:
        print(
            f"{c.name:<48} {c.seconds * 1000:>8.1f}ms {c.baseline * 1000:>8.2f}ms "
            f"{c.ratio:>7.1f}x {c.queries:>8}"
        )
        if c.note:
            print(f"    {c.note}")
    return cases


if __name__ == "__main__":
    from bench.run import _setup_django

    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run()
