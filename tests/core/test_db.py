"""`core.db.plain_rows`: a values_list queryset read in one fetch, as the ORM would read it."""

from __future__ import annotations

import pytest
from django.db.models import Count

from tests.factories import World
from trackwell.core.db import plain_rows
from trackwell.curriculum.models import Objective
from trackwell.pupils.models import Enrolment

pytestmark = pytest.mark.django_db


def test_the_rows_are_the_orms_for_ids_integers_and_text(world: World) -> None:
    enrolments = (
        Enrolment.objects.filter(school_class__year=world.year)
        .order_by("pk")
        .values_list("pupil_id", "school_class_id", "school_class__nc_year", "school_id")
    )
    rows = plain_rows(enrolments)
    assert rows == list(enrolments)
    assert len(rows) == len(world.pupils_a) + len(world.pupils_b)
    assert all(type(value) is int for row in rows for value in row)
    objectives = Objective.objects.filter(framework=world.framework).order_by("pk")
    named = objectives.values_list("pk", "code", "framework_id")
    assert plain_rows(named) == list(named)
    assert all(type(code) is str for _, code, _ in plain_rows(named))


def test_a_filter_on_nothing_reads_no_rows() -> None:
    assert plain_rows(Enrolment.objects.filter(pupil_id__in=[]).values_list("pk")) == []
    assert plain_rows(Enrolment.objects.none().values_list("pk")) == []
    assert plain_rows(Enrolment.objects.filter(pupil_id=-1).values_list("pk")) == []


def test_what_the_orm_would_rearrange_or_convert_is_refused(world: World) -> None:
    enrolments = Enrolment.objects.filter(school_id=world.school.pk)
    with pytest.raises(TypeError, match="values_list"):
        plain_rows(enrolments)  # model instances
    with pytest.raises(TypeError, match="values_list"):
        plain_rows(enrolments.values_list("pk", flat=True))
    with pytest.raises(TypeError, match="values_list"):
        plain_rows(enrolments.values("pk"))
    with pytest.raises(TypeError, match="values_list"):
        plain_rows(enrolments.values_list("pupil_id").distinct())
    with pytest.raises(TypeError, match="values_list"):
        plain_rows(enrolments.annotate(n=Count("pk")).values_list("pupil_id", "n"))


@pytest.mark.django_db(transaction=True)
def test_statistics_after_a_load_mark_the_new_rows_visible_on_postgresql() -> None:
    """Outside a transaction, `refresh_statistics` vacuums as well as analysing: the new
    rows are marked visible to all (what lets a covering index answer alone); inside one,
    where PostgreSQL refuses VACUUM, it analyses only."""
    from django.db import connection, transaction

    from trackwell.core.db import refresh_statistics
    from trackwell.core.models import School

    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no statistics and needs no vacuum")
    School.objects.bulk_create([School(name=f"School {n}") for n in range(200)])

    def visible() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relallvisible FROM pg_class WHERE relname = %s",
                [School._meta.db_table],
            )
            return int(cursor.fetchone()[0])

    assert visible() == 0
    refresh_statistics()
    assert visible() > 0
    with transaction.atomic():
        refresh_statistics()  # ANALYZE only: VACUUM would raise here
    transaction.set_autocommit(False)
    try:
        refresh_statistics()
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)
