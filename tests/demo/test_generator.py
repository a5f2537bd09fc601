"""The demo school: deterministic, realistic in size and make-up, with a login for every role."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from trackwell.accounts.models import Role, User
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.core.models import AssessmentPoint, School
from trackwell.curriculum.models import Framework, Objective
from trackwell.demo.generator import DemoOptions, generate, progress_steps
from trackwell.pupils.models import Pupil, SchoolClass, SenStatus
from trackwell.pupils.upn import is_valid_upn


def _fingerprint() -> str:
    rows = Judgement.objects.order_by("pupil__upn", "objective__code").values_list(
        "pupil__upn", "objective__code", "level__value", "version"
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


@pytest.mark.django_db
def test_one_form_entry_school_is_realistic() -> None:
    result = generate(DemoOptions())
    school = result.schools[0]
    pupils = Pupil.objects.filter(school=school)
    total = pupils.count()
    assert total == 210
    assert all(is_valid_upn(upn) for upn in pupils.values_list("upn", flat=True))

    def share(**kw: object) -> float:
        return pupils.filter(**kw).count() / total

    assert 0.18 <= share(disadvantaged=True) <= 0.32
    assert 0.08 <= share(sen_status=SenStatus.SUPPORT) <= 0.19
    assert 0.005 <= share(sen_status=SenStatus.EHCP) <= 0.05
    assert 0.13 <= share(eal=True) <= 0.27

    # Maths, reading, writing and science for Years 1-6, maths, reading and
    # writing for Reception, each 25-50 objectives.
    counts = (
        Framework.objects.filter(school=school)
        .annotate(n=Count("objectives"))
        .values_list("subject__slug", "nc_year", "n")
    )
    assert {(s, y) for s, y, _ in counts} == {
        (s, y) for s in ("maths", "reading", "writing", "science") for y in range(1, 7)
    } | {(s, 0) for s in ("maths", "reading", "writing")}
    assert all(25 <= n <= 50 for _, _, n in counts)

    # Classes this year and last, three points a year, last year's closed.
    assert SchoolClass.objects.filter(school=school, year__is_current=True).count() == 7
    points = AssessmentPoint.objects.filter(school=school)
    assert points.count() == 6
    assert points.filter(year__is_current=False, state="closed").count() == 3
    assert points.filter(year__is_current=True, state="open").count() == 3

    # Judgements over both years, with history whose versions match.
    assert Judgement.objects.filter(objective__framework__school=school).count() > 15000
    changed = Judgement.objects.filter(version__gt=1)
    assert changed.exists()
    sample = changed.first()
    assert sample is not None
    assert list(sample.history.values_list("version", flat=True)) == list(
        range(1, sample.version + 1)
    )
    # Learning is not linear: some ratings went down between points.
    went_down = sum(
        1
        for h in JudgementHistory.objects.filter(old_level__isnull=False).select_related(
            "old_level", "new_level"
        )[:3000]
        if h.new_level and h.old_level and h.new_level.value < h.old_level.value
    )
    assert went_down > 0

    roles = set(User.objects.filter(school=school).values_list("role", flat=True))
    # Every school role; trust leaders belong to a trust, and the one-school demo has none.
    assert roles == {r.value for r in Role if r != Role.TRUST_LEADER}
    assert not User.objects.filter(role=Role.TRUST_LEADER).exists()
    assert {u for u, _, _ in result.logins} >= {
        "admin",
        "head",
        "senco",
        "governor",
        "ta",
        "teacher3",
    }
    assert not Objective.objects.filter(school=school, statement="").exists()


@pytest.mark.django_db
def test_same_seed_same_data() -> None:
    def fingerprint_of(seed: int) -> str:
        with transaction.atomic():
            generate(DemoOptions(pupils_per_class=4, seed=seed))
            result = _fingerprint()
            transaction.set_rollback(True)
        return result

    first = fingerprint_of(2026)
    assert not School.objects.exists()
    assert fingerprint_of(2026) == first
    assert fingerprint_of(99) != first


@pytest.mark.django_db
def test_two_form_entry_trust() -> None:
    options = DemoOptions(schools=2, forms=2, pupils_per_class=3)
    steps: list[str] = []
    result = generate(options, lambda label, _step: steps.append(label))
    # The loading bar knows its length in advance and reaches it exactly.
    assert len(steps) == progress_steps(options) == 2 * (3 + 13 * 2)
    assert [s.trust_id for s in result.schools] == [result.trust.pk] * 2
    assert SchoolClass.objects.filter(school=result.schools[0], year__is_current=True).count() == 14
    assert User.objects.filter(username="s2.head", school=result.schools[1]).exists()
    leader = User.objects.get(role=Role.TRUST_LEADER)
    assert (leader.username, leader.trust_id, leader.school_id) == (
        "trustlead",
        result.trust.pk,
        None,
    )
    assert ("trustlead", "Trust leader", "every school's summaries; no pupils") in result.logins


@pytest.mark.django_db
def test_demo_logins_lists_the_trust_leader_of_a_demo_trust() -> None:
    generate(DemoOptions(schools=2, pupils_per_class=2))
    out = StringIO()
    call_command("demo_logins", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.split()[:3] == ["trustlead", "Trust", "leader"] for line in lines)
    assert "s2.head" not in out.getvalue()  # other schools' staff are not listed


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_prints_logins() -> None:
    call_command("load_demo", "--if-empty", verbosity=0, stdout=StringIO())
    schools = School.objects.count()
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()
    assert School.objects.count() == schools == 1
    logins = StringIO()
    call_command("demo_logins", stdout=logins)
    text = logins.getvalue()
    assert "trackwell-demo" in text
    assert "teacher3" in text and "governor" in text
