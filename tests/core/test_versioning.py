"""The one helper for version-checked edits."""

import pytest
from django.db import transaction

from trackwell.core.models import School
from trackwell.core.versioning import (
    EditConflict,
    check_version,
    differences,
    locked_for_edit,
    parse_version,
)


class _Row:
    """A stand-in with a version, like any Versioned model instance."""

    def __init__(self, version: int, name: str) -> None:
        self.version = version
        self.name = name

    class _meta:
        verbose_name = "band set"


def test_same_version_passes() -> None:
    check_version(_Row(3, "A"), 3)  # type: ignore[arg-type]


def test_moved_on_version_names_both_values() -> None:
    with pytest.raises(EditConflict) as caught:
        check_version(_Row(4, "Theirs"), 3, yours={"name": "Mine"})  # type: ignore[arg-type]
    conflict = caught.value
    assert conflict.current_version == 4
    assert conflict.expected_version == 3
    [diff] = conflict.differences
    assert (diff.field, diff.yours, diff.theirs) == ("name", "Mine", "Theirs")
    assert conflict.as_dict()["fields"][0]["theirs"] == "Theirs"
    assert "Band set was changed" in conflict.message


def test_missing_version_is_refused() -> None:
    with pytest.raises(EditConflict):
        check_version(_Row(1, "A"), None)  # type: ignore[arg-type]


def test_differences_ignores_equal_fields() -> None:
    assert differences(_Row(1, "A"), {"name": "A"}) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), ("0", 0), ("", None), (None, None), ("-1", None), ("9" * 30, None), ("x", None)],
)
def test_parse_version(raw: object, expected: int | None) -> None:
    assert parse_version(raw) == expected


@pytest.mark.django_db
def test_locked_for_edit_scopes_the_row() -> None:
    school = School.objects.create(name="A")
    school.version = 1  # type: ignore[attr-defined]
    with transaction.atomic(), pytest.raises(School.DoesNotExist):
        locked_for_edit(School.objects.exclude(pk=school.pk), school.pk, 1)
