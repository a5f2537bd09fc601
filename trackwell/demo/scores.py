"""Demo tests and targets: termly reading and maths tests with standardised scores, the KS2
reading and grammar, punctuation and spelling papers in Year 6, KS1 results for prior
attainment, and targets for this year. Deterministic for a seed; bulk writes keep it fast.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from trackwell.accounts.models import Role, User
from trackwell.core.models import AcademicYear, AssessmentPoint, School
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Enrolment
from trackwell.scores import conversion, definitions, prior, services
from trackwell.scores.models import (
    ConversionRow,
    ConversionTable,
    KeyStage,
    KeyStageResult,
    ScoreKind,
    Target,
    Test,
    TestResult,
    TestResultHistory,
)

TERMLY_MAX = 40
DEMO_SOURCE = "Made up for the Trackwell demo: not a publisher's table"


def _termly_table(school: School, subject: str) -> ConversionTable:
    """A made-up standardised table for a 40-mark termly test (69 to 141, mean 100 at 20)."""
    table = ConversionTable.objects.create(
        school=school,
        name=f"Demo termly {subject} (out of {TERMLY_MAX})",
        kind=ScoreKind.STANDARDISED,
        source=DEMO_SOURCE,
        max_raw_mark=TERMLY_MAX,
    )
    ConversionRow.objects.bulk_create(
        ConversionRow(
            school=school,
            table=table,
            raw_from=raw,
            raw_to=raw,
            score=max(69, min(141, round(100 + (raw - 20) * 1.8))),
        )
        for raw in range(TERMLY_MAX + 1)
    )
    return table


def _mark(rng: random.Random, ability: float, centre: float, spread: float, top: int) -> int:
    return max(0, min(top, round(centre + ability * spread + rng.gauss(0, spread / 3))))


def add_scores(
    school: School, *, today: date, ability: dict[tuple[int, str], float], seed: int
) -> None:
    """Tests, results, KS1 results and this year's targets for one demo school."""
    rng = random.Random(seed)
    leader = User.objects.filter(school=school, role=Role.LEADER).first()
    subjects = {s.slug: s for s in Subject.objects.filter(school=school)}
    standard = definitions.create_threshold_set(leader, school, "standardised")  # type: ignore[arg-type]
    ks2_bands = definitions.create_threshold_set(leader, school, "ks2-scaled")  # type: ignore[arg-type]
    tables = {slug: _termly_table(school, slug) for slug in ("reading", "maths")}
    years = list(AcademicYear.objects.filter(school=school).order_by("start_date"))
    tests: list[tuple[Test, list[int], str, float, float, int]] = []
    for year in years:
        points = list(AssessmentPoint.objects.filter(year=year).order_by("date"))
        members: dict[int, list[int]] = {}
        for pupil_id, nc_year in Enrolment.objects.filter(school_class__year=year).values_list(
            "pupil_id", "school_class__nc_year"
        ):
            members.setdefault(nc_year, []).append(pupil_id)
        for point in points:
            taken = point.date - timedelta(days=21)
            if taken > today:
                continue
            for nc_year in range(1, 7):
                for slug in ("reading", "maths"):
                    test = Test.objects.create(
                        school=school,
                        name=f"{point.name} {slug} Year {nc_year}",
                        publisher="Trackwell demo",
                        subject=subjects[slug],
                        nc_year=nc_year,
                        point=point,
                        taken_on=taken,
                        max_raw_mark=TERMLY_MAX,
                        score_kind=ScoreKind.STANDARDISED,
                        table=tables[slug],
                        thresholds=standard,
                    )
                    tests.append((test, members.get(nc_year, []), slug, 20, 6, TERMLY_MAX))
        if year.is_current and points:
            for slug, key, centre, spread in (
                ("reading", "ks2-2024-reading", 27, 8),
                ("writing", "ks2-2024-gps", 38, 11),
            ):
                builtin = conversion.BUILTINS[key]
                test = Test.objects.create(
                    school=school,
                    name=f"{builtin.name} paper (Year 6 practice)",
                    publisher="Standards and Testing Agency",
                    subject=subjects[slug],
                    nc_year=6,
                    point=points[0],
                    taken_on=min(today, points[0].date) - timedelta(days=7),
                    max_raw_mark=builtin.max_raw_mark,
                    score_kind=ScoreKind.SCALED,
                    table=definitions.install_builtin_table(leader, school, key),
                    thresholds=ks2_bands,
                )
                tests.append(
                    (
                        test,
                        members.get(6, []),
                        "reading" if slug == "reading" else "writing",
                        centre,
                        spread,
                        builtin.max_raw_mark,
                    )
                )
    _results(school, tests, ability, rng, leader)
    _key_stage_1(school, ability, rng)
    prior.ensure_groups(school)
    _targets(school, ability, rng, leader)


def _results(
    school: School,
    tests: list[tuple[Test, list[int], str, float, float, int]],
    ability: dict[tuple[int, str], float],
    rng: random.Random,
    user: User | None,
) -> None:
    from trackwell.pupils.models import Pupil

    born = dict(Pupil.objects.filter(school=school).values_list("pk", "date_of_birth"))
    results = []
    for test, pupil_ids, slug, centre, spread, top in tests:
        rows = definitions.table_rows(test.table)  # type: ignore[arg-type]
        for pid in pupil_ids:
            if rng.random() < 0.04:
                continue  # absent on the day
            raw = _mark(rng, ability.get((pid, slug), 0.0), centre, spread, top)
            score, age = services.score_for(test, rows, raw, born[pid])
            results.append(
                TestResult(
                    school=school,
                    test=test,
                    pupil_id=pid,
                    raw_mark=raw,
                    score=score,
                    age_months=age,
                    version=1,
                    updated_by=user,
                    updated_at=timezone.now(),
                )
            )
    TestResult.objects.bulk_create(results, batch_size=500)
    saved = TestResult.objects.filter(school=school)
    TestResultHistory.objects.bulk_create(
        (
            TestResultHistory(
                school=school,
                result=r,
                old_raw=None,
                new_raw=r.raw_mark,
                old_score=None,
                new_score=r.score,
                version=1,
                changed_by=user,
                changed_at=r.updated_at or timezone.now(),
                source=TestResultHistory.Source.IMPORT,
            )
            for r in saved
        ),
        batch_size=500,
    )


def _key_stage_1(school: School, ability: dict[tuple[int, str], float], rng: random.Random) -> None:
    """End of KS1 teacher assessments for pupils now in Years 3 to 6."""
    from trackwell.pupils.models import Pupil

    rows = []
    for pupil in Pupil.objects.filter(school=school, nc_year__gte=3, nc_year__lte=6):
        for slug in ("reading", "writing", "maths"):
            a = ability.get((pupil.pk, slug), 0.0) + rng.gauss(0, 0.3)
            outcome = "PKF" if a < -1.6 else "WTS" if a < -0.6 else "GDS" if a > 1.0 else "EXS"
            rows.append(
                KeyStageResult(
                    school=school,
                    pupil=pupil,
                    stage=KeyStage.KS1,
                    subject=slug,
                    outcome=outcome,
                    taken_on=date(2026 - pupil.nc_year + 2, 6, 20),
                    source=KeyStageResult.Source.CTF,
                )
            )
    KeyStageResult.objects.bulk_create(rows, batch_size=500)


def _targets(
    school: School, ability: dict[tuple[int, str], float], rng: random.Random, user: User | None
) -> None:
    """This year's maths targets (% secure) and reading targets (a score), point by point."""
    year = AcademicYear.objects.filter(school=school, is_current=True).first()
    if year is None:
        return
    points = list(AssessmentPoint.objects.filter(year=year).order_by("date"))
    subjects = {s.slug: s for s in Subject.objects.filter(school=school)}
    pupils = list(
        Enrolment.objects.filter(school_class__year=year, school_class__nc_year__gte=1).values_list(
            "pupil_id", flat=True
        )
    )
    autumn_scores = (
        dict(
            TestResult.objects.filter(
                test__point=points[0], test__subject=subjects["reading"]
            ).values_list("pupil_id", "score")
        )
        if points
        else {}
    )
    rows = []
    for n, point in enumerate(points, start=1):
        share = 100 * n / len(points)
        for pid in pupils:
            lift = ability.get((pid, "maths"), 0.0) * 10 + rng.gauss(0, 3)
            rows.append(
                Target(
                    school=school,
                    pupil_id=pid,
                    subject=subjects["maths"],
                    point=point,
                    kind=Target.Kind.PCT_SECURE,
                    value=max(5, min(100, round(share * 0.85 + lift))),
                    set_by=user,
                )
            )
            score = autumn_scores.get(pid)
            if score is not None:
                rows.append(
                    Target(
                        school=school,
                        pupil_id=pid,
                        subject=subjects["reading"],
                        point=point,
                        kind=Target.Kind.SCORE,
                        value=score if n == 1 else score + 1,
                        set_by=user,
                    )
                )
    Target.objects.bulk_create(rows, batch_size=500)
