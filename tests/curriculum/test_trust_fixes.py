"""Trust sharing: adoption never takes over a framework; updates show and respect local work."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from tests.factories import World, make_user
from trackwell.accounts.models import AuditEntry, Role, User
from trackwell.core.models import School, Trust
from trackwell.curriculum import restructure, services, structure_edits, trust
from trackwell.curriculum.defaults import create_depth_scale
from trackwell.curriculum.models import Framework, Objective, SharedFramework
from trackwell.curriculum.phases import YearPhase

pytestmark = pytest.mark.django_db


@pytest.fixture
def sister(world: World) -> School:
    """A second school in the same trust, with its own depth scale and a leader."""
    school = School.objects.create(name="Sister Primary", trust=world.school.trust)
    create_depth_scale(school)
    make_user(school, "sister-leader", Role.LEADER)
    return school


def _leader(school: School) -> User:
    return school.users.get(username="sister-leader")


def _reword(user: User, objective: Objective, statement: str = "", code: str = "") -> None:
    structure_edits.update_objective(
        user=user,
        objective=objective,
        code=code or objective.code,
        statement=statement or objective.statement,
        is_key=objective.is_key,
        tags=list(objective.tags or []),
    )


def _adopted(world: World, sister: School) -> tuple[SharedFramework, Framework]:
    shared = trust.publish_framework(user=world.users["leader"], framework=world.framework).shared
    return shared, trust.adopt_shared(user=_leader(sister), school=sister, shared=shared)


def _copy_of(copy: Framework, code: str) -> Objective:
    return Objective.objects.get(framework=copy, code=code)


def _change(update: trust.TrustUpdate, key: str) -> trust.TrustChange:
    return next(c for c in update.changes if c.key == key)


# ---------------------------------------------------------------------------
# Adopting


def test_adopting_refuses_when_a_renamed_subject_already_has_that_year(
    world: World, sister: School
) -> None:
    sl = _leader(sister)
    subject = services.create_subject(user=sl, school=sister, name="Maths")
    own = services.create_framework(
        user=sl,
        subject=subject,
        year=YearPhase(3),
        name="Our maths",
        scale=sister.rating_scales.get(),
    )
    strand = structure_edits.create_strand(user=sl, framework=own, name="Ours")
    mine = structure_edits.create_objective(
        user=sl, strand=strand, code="OUR-1", statement="Our own"
    )
    # Renamed: the slug stays "maths", the name no longer matches the trust's "Maths".
    services.rename_subject(user=sl, subject=subject, name="Mathematics")
    shared = trust.publish_framework(user=world.users["leader"], framework=world.framework).shared

    with pytest.raises(ValidationError, match="already has its own framework for Mathematics"):
        trust.adopt_shared(user=sl, school=sister, shared=shared)

    own.refresh_from_db()
    mine.refresh_from_db()
    assert (own.name, own.shared_source_id, own.shared_version) == ("Our maths", None, None)
    assert mine.archived_at is None and mine.statement == "Our own"
    assert list(Objective.objects.filter(framework=own).values_list("code", flat=True)) == ["OUR-1"]
    assert Framework.objects.filter(school=sister).count() == 1


def test_adopting_through_the_page_explains_the_refusal(
    world: World, sister: School, client_for
) -> None:
    sl = _leader(sister)
    subject = services.create_subject(user=sl, school=sister, name="Maths")
    services.create_framework(
        user=sl,
        subject=subject,
        year=YearPhase(3),
        name="Our maths",
        scale=sister.rating_scales.get(),
    )
    services.rename_subject(user=sl, subject=subject, name="Mathematics")
    shared = trust.publish_framework(user=world.users["leader"], framework=world.framework).shared
    client = client_for(sl)
    response = client.post(reverse("curriculum-trust-adopt", args=[shared.pk]), follow=True)
    assert response.status_code == 200
    assert "already has its own framework" in response.content.decode()
    assert not Framework.objects.filter(school=sister, shared_source=shared).exists()


def test_adopting_makes_a_new_framework_beside_other_years_of_a_renamed_subject(
    world: World, sister: School
) -> None:
    sl = _leader(sister)
    subject = services.create_subject(user=sl, school=sister, name="Maths")
    own = services.create_framework(
        user=sl, subject=subject, year=YearPhase(2), name="Our Y2", scale=sister.rating_scales.get()
    )
    services.rename_subject(user=sl, subject=subject, name="Mathematics")
    shared, copy = _adopted(world, sister)
    assert copy.pk != own.pk
    assert (copy.subject_id, copy.nc_year, copy.shared_source_id) == (subject.pk, 3, shared.pk)
    own.refresh_from_db()
    assert own.shared_source_id is None and own.name == "Our Y2"


# ---------------------------------------------------------------------------
# Split, merged and archived objectives are not brought back


def test_a_change_to_a_split_objective_is_a_conflict_and_never_unarchives_it(
    world: World, sister: School
) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    source = world.objectives[0]
    mine = _copy_of(copy, source.code)
    restructure.split_objective(user=sl, objective=mine, parts=[("A1", "one"), ("A2", "two")])
    _reword(leader, source, "Trust rewording")
    trust.publish_framework(user=leader, framework=world.framework)

    update = trust.pending_update(copy)
    assert update is not None
    change = _change(update, f"objective:{source.identifier}")
    assert "split this objective into A1, A2" in change.conflict
    assert "stays archived" in change.conflict
    assert not change.blocking

    trust.apply_update(user=sl, framework=copy, accepted={c.key for c in update.changes})
    mine.refresh_from_db()
    assert mine.archived_at is not None  # not back in the grid beside its parts
    assert mine.statement == "Trust rewording"  # the wording change went onto the record
    current = set(copy.objectives.filter(archived_at__isnull=True).values_list("code", flat=True))
    assert {"A1", "A2"} <= current and source.code not in current
    assert set(
        Objective.objects.filter(framework=copy, code__in=["A1", "A2"]).values_list(
            "statement", flat=True
        )
    ) == {"one", "two"}


def test_a_change_to_a_merged_away_objective_can_be_declined(world: World, sister: School) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    first, second = world.objectives[0], world.objectives[1]
    a, b = _copy_of(copy, first.code), _copy_of(copy, second.code)
    statement = a.statement
    restructure.merge_objectives(
        user=sl, objectives=[a, b], rule="highest", code="AB", statement="Both"
    )
    _reword(leader, first, "Trust rewording")
    trust.publish_framework(user=leader, framework=world.framework)

    update = trust.pending_update(copy)
    assert update is not None
    change = _change(update, f"objective:{first.identifier}")
    assert "merged this objective into AB" in change.conflict
    trust.apply_update(user=sl, framework=copy, accepted=set())
    a.refresh_from_db()
    assert (a.archived_at is not None, a.statement) == (True, statement)


def test_the_page_shows_conflicts_set_to_keep_yours(
    world: World, sister: School, client_for
) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    source = world.objectives[0]
    restructure.split_objective(
        user=sl, objective=_copy_of(copy, source.code), parts=[("A1", "one"), ("A2", "two")]
    )
    _reword(leader, source, "Trust rewording")
    trust.publish_framework(user=leader, framework=world.framework)
    page = client_for(sl).get(reverse("curriculum-framework-update", args=[copy.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Check this:" in html and "split this objective into A1, A2" in html
    key = f"objective:{source.identifier}"
    assert f'name="{key}" value="decline" checked' in html


# ---------------------------------------------------------------------------
# Code clashes are conflicts, never a crash


def test_a_code_change_clashing_with_a_local_code_is_refused_with_a_message(
    world: World, sister: School, client_for
) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    structure_edits.create_objective(
        user=sl, strand=copy.strands.get(order=0), code="X9", statement="ours"
    )
    source = world.objectives[0]
    code, statement = source.code, source.statement
    _reword(leader, source, "Reworded too", code="X9")
    trust.publish_framework(user=leader, framework=world.framework)

    update = trust.pending_update(copy)
    assert update is not None
    change = _change(update, f"objective:{source.identifier}")
    assert change.blocking and "already uses code X9" in change.conflict

    with pytest.raises(ValidationError, match="already uses code X9"):
        trust.apply_update(user=sl, framework=copy, accepted={change.key})

    url = reverse("curriculum-framework-update", args=[copy.pk])
    client = client_for(sl)
    html = client.get(url).content.decode()
    assert "Cannot be taken yet:" in html
    assert f'name="{change.key}" value="accept" disabled' in html
    response = client.post(url, {c.key: "accept" for c in update.changes})
    assert response.status_code == 200
    assert "already uses code X9" in response.content.decode()
    # Nothing half-saved.
    copy.refresh_from_db()
    assert copy.shared_version == 1
    mine = Objective.objects.get(framework=copy, identifier=source.identifier)
    assert (mine.code, mine.statement) == (code, statement)
    # Declining it takes the version.
    assert client.post(url, {change.key: "decline"}).status_code == 302
    copy.refresh_from_db()
    assert copy.shared_version == 2


def test_recreating_a_deleted_objective_whose_code_is_taken_is_refused(
    world: World, sister: School
) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    source = world.objectives[0]
    mine = _copy_of(copy, source.code)
    structure_edits.remove_objective(user=sl, objective=mine)  # unjudged: deleted
    structure_edits.create_objective(
        user=sl, strand=copy.strands.get(order=0), code=source.code, statement="Our replacement"
    )
    _reword(leader, source, "Trust rewording")
    trust.publish_framework(user=leader, framework=world.framework)
    update = trust.pending_update(copy)
    assert update is not None
    change = _change(update, f"objective:{source.identifier}")
    assert change.blocking
    assert "deleted this objective" in change.conflict
    with pytest.raises(ValidationError, match=f"already uses code {source.code}"):
        trust.apply_update(user=sl, framework=copy, accepted={change.key})
    assert not Objective.objects.filter(framework=copy, identifier=source.identifier).exists()


def test_codes_swapped_by_the_trust_are_taken_together_or_not_at_all(
    world: World, sister: School
) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    first, second = world.objectives[0], world.objectives[1]
    a_code, b_code = first.code, second.code
    _reword(leader, first, code="TMP")
    _reword(leader, second, code=a_code)
    _reword(leader, Objective.objects.get(pk=first.pk), code=b_code)
    trust.publish_framework(user=leader, framework=world.framework)
    update = trust.pending_update(copy)
    assert update is not None
    one, two = (_change(update, f"objective:{o.identifier}") for o in (first, second))
    assert not one.blocking and not two.blocking
    assert "accept that change as well" in one.conflict

    with pytest.raises(ValidationError, match="still uses code"):
        trust.apply_update(user=sl, framework=copy, accepted={one.key})
    assert _copy_of(copy, a_code).identifier == first.identifier  # nothing half-saved

    trust.apply_update(user=sl, framework=copy, accepted={one.key, two.key})
    assert _copy_of(copy, b_code).identifier == first.identifier
    assert _copy_of(copy, a_code).identifier == second.identifier


def test_an_integrity_error_becomes_a_message_with_nothing_saved(
    world: World, sister: School, monkeypatch
) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    source = world.objectives[0]
    _reword(leader, source, "Trust rewording")
    trust.publish_framework(user=leader, framework=world.framework)
    update = trust.pending_update(copy)
    assert update is not None
    real_log = trust.log_action

    def failing_log(**kwargs):
        if kwargs["action"] == "framework.trust_update":
            raise IntegrityError("simulated")
        return real_log(**kwargs)

    monkeypatch.setattr(trust, "log_action", failing_log)
    with pytest.raises(ValidationError, match="Nothing was changed"):
        trust.apply_update(user=sl, framework=copy, accepted={c.key for c in update.changes})
    copy.refresh_from_db()
    assert copy.shared_version == 1
    assert _copy_of(copy, source.code).statement == "Objective 0 of year 3"


# ---------------------------------------------------------------------------
# Local edits: three values, the school chooses, history per objective


def test_a_local_edit_is_shown_with_three_values_and_kept_when_declined(
    world: World, sister: School
) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    source = world.objectives[0]
    mine = _copy_of(copy, source.code)
    _reword(sl, mine, "Our careful local wording")
    _reword(leader, source, "Trust rewording")
    trust.publish_framework(user=leader, framework=world.framework)

    update = trust.pending_update(copy)
    assert update is not None
    change = _change(update, f"objective:{source.identifier}")
    [wording] = change.fields
    assert (wording.label, wording.mine, wording.before, wording.after, wording.edited) == (
        "Wording",
        "Our careful local wording",
        "Objective 0 of year 3",
        "Trust rewording",
        True,
    )
    assert "Your school changed this objective" in change.conflict

    trust.apply_update(user=sl, framework=copy, accepted=set())
    mine.refresh_from_db()
    assert mine.statement == "Our careful local wording"


def test_accepting_over_a_local_edit_is_in_the_objectives_history(
    world: World, sister: School, client_for
) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    source, other = world.objectives[0], world.objectives[1]
    other_was = other.statement
    mine = _copy_of(copy, source.code)
    _reword(sl, mine, "Our careful local wording")
    _reword(leader, source, "Trust rewording")
    _reword(leader, other, "A clean trust change")
    trust.publish_framework(user=leader, framework=world.framework)
    update = trust.pending_update(copy)
    assert update is not None
    clean = _change(update, f"objective:{other.identifier}")
    assert clean.conflict == "" and clean.fields[0].mine == other_was

    trust.apply_update(user=sl, framework=copy, accepted={c.key for c in update.changes})
    mine.refresh_from_db()
    assert mine.statement == "Trust rewording"
    for objective, was, now in (
        (mine, "Our careful local wording", "Trust rewording"),
        (_copy_of(copy, other.code), other_was, "A clean trust change"),
    ):
        entry = (
            AuditEntry.objects.filter(
                school=sister,
                action="objective.update",
                object_type="curriculum.Objective",
                object_id=str(objective.pk),
            )
            .order_by("-id")
            .first()
        )
        assert entry is not None and entry.user == sl
        assert entry.old is not None and entry.new is not None
        assert (entry.old["statement"], entry.new["statement"]) == (was, now)
    history = client_for(sl).get(reverse("curriculum-framework-history", args=[copy.pk]))
    assert "Trust rewording" in history.content.decode()


def test_a_framework_rename_over_a_local_rename_is_a_conflict(world: World, sister: School) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    services.update_framework(
        user=sl, framework=copy, name="Our name", year=YearPhase(3), description=""
    )
    services.update_framework(
        user=leader, framework=world.framework, name="Trust name", year=YearPhase(3), description=""
    )
    trust.publish_framework(user=leader, framework=world.framework)
    update = trust.pending_update(copy)
    assert update is not None
    change = _change(update, "framework:name")
    assert change.fields[0].edited and change.fields[0].mine == "Our name"
    trust.apply_update(user=sl, framework=copy, accepted={change.key})
    copy.refresh_from_db()
    assert copy.name == "Trust name"
    assert AuditEntry.objects.filter(
        school=sister, action="framework.update", old__name="Our name", new__name="Trust name"
    ).exists()


def test_a_stale_page_is_refused(world: World, sister: School) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    source = world.objectives[0]
    _reword(leader, source, "Trust rewording")
    trust.publish_framework(user=leader, framework=world.framework)
    update = trust.pending_update(copy)
    assert update is not None
    digest = update.digest
    _reword(sl, _copy_of(copy, source.code), "Edited meanwhile")
    with pytest.raises(ValidationError, match="changed since this page was shown"):
        trust.apply_update(
            user=sl,
            framework=copy,
            accepted={c.key for c in update.changes},
            expected_digest=digest,
        )
    assert _copy_of(copy, source.code).statement == "Edited meanwhile"


# ---------------------------------------------------------------------------
# Only the school's current trust


def test_versions_from_a_trust_the_school_has_left_are_not_offered(
    world: World, sister: School
) -> None:
    leader, sl = world.users["leader"], _leader(sister)
    _, copy = _adopted(world, sister)
    _reword(leader, world.objectives[0], "Trust rewording")
    trust.publish_framework(user=leader, framework=world.framework)
    assert trust.pending_update(copy) is not None

    sister.trust = Trust.objects.create(name="Another Trust")
    sister.save()
    copy = Framework.objects.get(pk=copy.pk)
    assert trust.pending_update(copy) is None
    with pytest.raises(ValidationError, match="no new version"):
        trust.apply_update(user=sl, framework=copy, accepted=set())

    sister.trust = None
    sister.save()
    assert trust.pending_update(Framework.objects.get(pk=copy.pk)) is None


def test_the_framework_page_says_when_a_copy_no_longer_follows_a_trust(
    world: World, sister: School, client_for
) -> None:
    _, copy = _adopted(world, sister)
    client = client_for(_leader(sister))
    page = client.get(reverse("curriculum-framework", args=[copy.pk])).content.decode()
    assert "a linked copy of a trust framework" in page
    sister.trust = Trust.objects.create(name="Another Trust")
    sister.save()
    page = client.get(reverse("curriculum-framework", args=[copy.pk])).content.decode()
    assert "a linked copy" not in page and "receives no more updates" in page
