"""Two users editing the same cell: one wins, the other is told, nothing is lost."""

import threading

import pytest
from django.db import connections
from django.urls import reverse

from tests.factories import make_world
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.assessment.services import StaleEdit, set_judgement


@pytest.mark.django_db
def test_second_editor_with_an_old_page_sees_both_values(client_for) -> None:
    world = make_world()
    url = reverse("grid-cell", args=[world.class_a.pk, "maths"])
    data = {
        "framework": world.framework.pk,
        "pupil": world.pupils_a[0].pk,
        "objective": world.objectives[0].pk,
        "version": 0,
        "mark_taught": "1",  # the objective was not yet taught: both chose to mark it
    }
    teacher, leader = client_for(world.users["teacher"]), client_for(world.users["leader"])
    # Both loaded the page when the cell was empty (version 0).
    first = teacher.post(url, {**data, "code": "2"}, HTTP_ACCEPT="application/json")
    second = leader.post(url, {**data, "code": "3"}, HTTP_ACCEPT="application/json")
    assert first.status_code == 200
    assert second.status_code == 409
    theirs = second.json()["current"][0]
    assert theirs["code"] == "2"
    assert theirs["updated_by"] == world.users["teacher"].display_name
    # The leader chooses to keep their own value: a new attempt at the current version.
    third = leader.post(
        url, {**data, "code": "3", "version": theirs["version"]}, HTTP_ACCEPT="application/json"
    )
    assert third.status_code == 200
    history = JudgementHistory.objects.order_by("version")
    assert [(h.old_level and h.old_level.code, h.new_level.code) for h in history] == [  # type: ignore[union-attr]
        (None, "2"),
        ("2", "3"),
    ]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_of_one_cell_let_exactly_one_through() -> None:
    world = make_world()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(user_key: str, code: str) -> None:
        try:
            barrier.wait(timeout=10)
            set_judgement(
                user=world.users[user_key],
                school_class=world.class_a,
                framework=world.framework,
                pupil_id=world.pupils_a[0].pk,
                objective_id=world.objectives[0].pk,
                code=code,
                expected_version=0,
            )
            outcomes.append(f"saved {code}")
        except StaleEdit as exc:
            outcomes.append(f"stale, saw {exc.current[0].code}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=a) for a in (("teacher", "1"), ("leader", "3"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(outcomes) == 2
    saved = [o for o in outcomes if o.startswith("saved")]
    assert len(saved) == 1
    winner = saved[0].split()[-1]
    assert outcomes.count(f"stale, saw {winner}") == 1
    judgement = Judgement.objects.get()
    assert judgement.level.code == winner  # type: ignore[union-attr]
    assert judgement.version == 1
    assert JudgementHistory.objects.count() == 1
