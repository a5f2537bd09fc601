"""The migrations describe the models: a model changed without its migration fails here,
not on a school's server at its next upgrade."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_without_its_migration() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # Django exits 1 when a migration is missing
        pytest.fail(f"makemigrations would write (exit {exc.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
