"""The demo's judgements: each pupil's ratings through the year, written as plain rows.

Pupils learn unevenly: each has a trajectory with its own ups and downs, rated against
each objective's difficulty with noise; every change of rating is kept as a history step.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import connection, models
from django.db.models import Model
from django.utils import timezone

from trackwell.accounts.models import User
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.core.models import School
from trackwell.curriculum.models import Framework, Objective, RatingLevel, TaughtObjective
from trackwell.pupils.models import Pupil, SchoolClass, SenStatus

DEMO_SUBJECTS = ["maths", "reading", "writing", "science"]


def rating(skill: float, difficulty: float, rng: random.Random) -> int:
    """Map a pupil's skill on an objective to a 0-3 depth rating, with noise."""
    x = skill - difficulty + rng.gauss(0, 0.55)
    if x < -1.1:
        return 0
    if x < -0.25:
        return 1
    if x < 1.5:
        return 2
    return 3


@dataclass
class Written:
    """A school's judgements as plain rows, with each one's steps, written in one go."""

    judgements: list[tuple[int, int, int, date]] = field(default_factory=list)
    # pupil, objective, final value, final date; steps: (date, value) per version
    steps: list[list[tuple[date, int]]] = field(default_factory=list)


def judge_year(
    school: School,
    school_class: SchoolClass,
    members: list[Pupil],
    frameworks: dict[tuple[str, int], Framework],
    objectives: dict[int, list[Objective]],
    ability: dict[tuple[int, str], float],
    rng: random.Random,
    written: Written,
    *,
    point_dates: list[date],
    taught_fractions: list[float],
    creator: User | None,
    drift: float = 0.0,
) -> None:
    """A class's year of judgements, added to `written` (`write_judgements` stores them)."""
    taught: list[TaughtObjective] = []
    for slug in DEMO_SUBJECTS:
        framework = frameworks.get((slug, school_class.nc_year))
        if framework is None:
            continue
        objs = objectives[framework.pk]
        n = len(objs)
        taught_count = math.ceil(n * taught_fractions[-1])
        taught.extend(
            TaughtObjective(
                school=school, school_class=school_class, objective=o, marked_by=creator
            )
            for o in objs[:taught_count]
        )
        difficulty = [rng.gauss(0, 0.5) + 0.4 * (i / max(1, n - 1)) for i in range(n)]
        for pupil in members:
            skill = ability[(pupil.pk, slug)] + drift
            trajectory = []
            for _ in point_dates:
                skill += rng.gauss(0.15, 0.35)  # mostly up, sometimes down
                trajectory.append(skill)
            for i, obj in enumerate(objs):
                steps: list[tuple[date, int]] = []
                for p_index, (when, fraction) in enumerate(
                    zip(point_dates, taught_fractions, strict=True)
                ):
                    if i >= math.ceil(n * fraction):
                        continue
                    if pupil.sen_status == SenStatus.EHCP and rng.random() < 0.3:
                        continue
                    value = rating(trajectory[p_index], difficulty[i], rng)
                    if not steps or steps[-1][1] != value:
                        steps.append((when, value))
                if not steps:
                    continue
                final_when, final_value = steps[-1]
                written.judgements.append((pupil.pk, obj.pk, final_value, final_when))
                written.steps.append(steps)
    TaughtObjective.objects.bulk_create(taught, batch_size=BATCH)


def aware(d: date, hour: int = 15) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(hour, 0)))


# Rows per executemany call when writing plain rows.
BATCH = 5000


def insert_rows(model: type[Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Plain rows into the model's table: one prepared INSERT run for each batch of rows.

    The demo writes hundreds of thousands of judgements and history rows for a
    trust; building a model instance for each and preparing every field (as
    `bulk_create` does, in batches SQLite limits to 999 parameters) costs more
    than the data. Values must already be in the database's form (`db_time`).
    """
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def db_time(model: type[Model], field_name: str, when: date) -> Any:
    """The day's 3 pm, aware, as the database stores the model's datetime field."""
    model_field = model._meta.get_field(field_name)
    assert isinstance(model_field, models.DateTimeField)
    return model_field.get_db_prep_value(aware(when), connection)


def write_judgements(
    school: School, written: Written, levels: dict[int, RatingLevel], creator: User | None
) -> None:
    """The school's judgements, then every step of each as its history (source: demo)."""
    creator_id = creator.pk if creator else None
    dates = {when for steps in written.steps for when, _ in steps}
    updated_at = {d: db_time(Judgement, "updated_at", d) for d in dates}
    changed_at = {d: db_time(JudgementHistory, "changed_at", d) for d in dates}
    level_id = {value: level.pk for value, level in levels.items()}
    judgement_columns = (
        *("school_id", "pupil_id", "objective_id", "level_id"),
        *("note", "version", "updated_by_id", "updated_at"),
    )
    insert_rows(
        Judgement,
        judgement_columns,
        [
            (
                school.pk,
                pupil_id,
                objective_id,
                level_id[value],
                "",
                len(steps),
                creator_id,
                updated_at[when],
            )
            for (pupil_id, objective_id, value, when), steps in zip(
                written.judgements, written.steps, strict=True
            )
        ],
    )
    ids = {
        (pupil_id, objective_id): pk
        for pupil_id, objective_id, pk in Judgement.objects.filter(school=school).values_list(
            "pupil_id", "objective_id", "pk"
        )
    }
    history: list[tuple[Any, ...]] = []
    source = JudgementHistory.Source.DEMO.value
    for (pupil_id, objective_id, _, _), steps in zip(
        written.judgements, written.steps, strict=True
    ):
        judgement_id = ids[(pupil_id, objective_id)]
        previous: int | None = None
        for version, (when, value) in enumerate(steps, start=1):
            history.append(
                (
                    school.pk,
                    judgement_id,
                    previous,
                    level_id[value],
                    "",
                    "",
                    version,
                    creator_id,
                    changed_at[when],
                    source,
                )
            )
            previous = level_id[value]
    history_columns = (
        *("school_id", "judgement_id", "old_level_id", "new_level_id", "old_note"),
        *("new_note", "version", "changed_by_id", "changed_at", "source"),
    )
    insert_rows(JudgementHistory, history_columns, history)
