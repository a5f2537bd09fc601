"""The demo school's tests, scores, KS1 results and targets."""

import pytest

from trackwell.demo.generator import DemoOptions, generate
from trackwell.scores import targets
from trackwell.scores.models import KeyStageResult, Target, Test, TestResult

pytestmark = pytest.mark.django_db


def test_demo_school_sits_termly_tests_and_ks2_papers_with_targets() -> None:
    result = generate(DemoOptions(pupils_per_class=8))
    school = result.schools[0]
    tests = Test.objects.filter(school=school)
    names = set(tests.values_list("name", flat=True))
    assert "Autumn reading Year 3" in names and "Summer maths Year 5" in names
    assert any(n.startswith("KS2 reading 2024") for n in names)
    assert any(n.startswith("KS2 grammar, punctuation and spelling 2024") for n in names)
    scores = list(TestResult.objects.filter(school=school).values_list("score", flat=True))
    assert len(scores) > 100 and all(s is None or 69 <= s <= 141 for s in scores)
    ks2 = TestResult.objects.filter(test__name__startswith="KS2 reading", school=school)
    assert ks2.exists() and all(80 <= (r.score or 80) <= 120 for r in ks2)
    assert KeyStageResult.objects.filter(school=school, stage="ks1").exists()
    point = Test.objects.filter(school=school, point__year__is_current=True).first()
    assert point is not None and point.point is not None
    assert Target.objects.filter(school=school, point=point.point).exists()
    found = targets.outcomes(point.point, point.subject)
    assert {o.outcome for o in found.values()} & {"met", "exceeded", "missed"}
