"""Finding a school's test from the command line."""

from django.core.management.base import CommandError

from trackwell.core.models import School
from trackwell.scores.models import Test


def find_test(school: School, value: str) -> Test:
    """A test of the school by id or exact name (the latest sitting when several share it)."""
    qs = Test.objects.filter(school=school)
    test = (
        qs.filter(pk=int(value)).first()
        if value.isdigit()
        else qs.filter(name=value).order_by("-taken_on").first()
    )
    if test is None:
        raise CommandError(f"No test {value!r} at {school.name} (give its id or exact name).")
    return test
