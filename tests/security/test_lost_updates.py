"""No lost updates: two people edit the same thing; the second sees both values (409)."""

from django.test import Client
from django.urls import reverse

from tests.factories import World
from trackwell.curriculum.models import Framework, Objective, RatingScale
from trackwell.security.models import SecurityPolicy


def _two(world: World, client_for) -> tuple[Client, Client]:
    return client_for(world.users["leader"]), client_for(world.users["admin"])


def test_two_leaders_edit_one_objective(world: World, client_for) -> None:
    first, second = _two(world, client_for)
    obj = world.objectives[0]
    url = reverse("curriculum-objective-edit", args=[obj.pk])
    seen = first.get(url).context["form"]["version"].value()
    assert seen == second.get(url).context["form"]["version"].value() == obj.version
    data = {"code": obj.code, "version": seen}
    assert first.post(url, {**data, "statement": "Count in steps of 2"}).status_code == 302
    late = second.post(url, {**data, "statement": "Count in tens"})
    assert late.status_code == 409
    body = late.content.decode()
    assert "Count in steps of 2" in body and "Count in tens" in body
    assert Objective.objects.get(pk=obj.pk).statement == "Count in steps of 2"
    # The page now carries the saved version: saving again is a deliberate choice.
    again = late.context["form"]["version"].value()
    assert (
        second.post(url, {**data, "version": again, "statement": "Count in tens"}).status_code
        == 302
    )
    assert Objective.objects.get(pk=obj.pk).statement == "Count in tens"
    missing = second.post(url, {"code": obj.code, "statement": "No version"})
    assert missing.status_code == 409  # an edit must say what it saw


def test_two_leaders_edit_one_framework(world: World, client_for) -> None:
    first, second = _two(world, client_for)
    fw = world.framework
    url = reverse("curriculum-framework-edit", args=[fw.pk])
    data = {"year": "3", "version": fw.version}
    assert first.post(url, {**data, "name": "Maths Y3 (new)"}).status_code == 302
    late = second.post(url, {**data, "name": "Number Y3"})
    assert late.status_code == 409
    assert "Maths Y3 (new)" in late.content.decode() and "Number Y3" in late.content.decode()
    assert Framework.objects.get(pk=fw.pk).name == "Maths Y3 (new)"


def test_two_leaders_edit_one_scale(world: World, client_for) -> None:
    first, second = _two(world, client_for)
    scale = world.scale
    url = reverse("curriculum-scale-edit", args=[scale.pk])
    assert (
        first.post(url, {"name": "Depth of learning", "version": scale.version}).status_code == 302
    )
    late = second.post(url, {"name": "Our depth scale", "version": scale.version})
    assert late.status_code == 409
    assert "Depth of learning" in late.content.decode()
    assert RatingScale.objects.get(pk=scale.pk).name == "Depth of learning"


def test_two_admins_edit_the_security_settings(world: World, client_for) -> None:
    from tests.factories import make_user
    from trackwell.accounts.models import Role

    other_admin = make_user(world.school, "second-admin", Role.ADMIN)
    first, second = client_for(world.users["admin"]), client_for(other_admin)
    url = reverse("security:policy")
    seen = first.get(url).context["form"]["version"].value()
    base = {
        "retention_years_after_leaving": 6,
        "retention_until_age": 25,
        "retention_action": "anonymise",
        "version": seen,
    }
    assert first.post(url, {**base, "idle_timeout_minutes": 20}).status_code == 303
    late = second.post(url, {**base, "idle_timeout_minutes": 45, "require_mfa_for_all": "on"})
    assert late.status_code == 409
    body = late.content.decode()
    assert "20" in body and "45" in body
    policy = SecurityPolicy.objects.get(school=world.school)
    assert (policy.idle_timeout_minutes, policy.require_mfa_for_all) == (20, False)
    from trackwell.accounts.models import AuditEntry

    entry = AuditEntry.objects.get(action="security.policy_changed")
    assert entry.old is not None and entry.new is not None
    assert (entry.old["idle_timeout_minutes"], entry.new["idle_timeout_minutes"]) == (30, 20)


def test_two_leaders_edit_one_band_set(world: World, client_for) -> None:
    from tests.analysis.helpers import with_bands
    from tests.reports.test_band_editor_structure import _form
    from trackwell.analysis.models import BandSet

    with_bands(world)
    band_set = BandSet.objects.get(school=world.school, name="Attainment")
    first, second = _two(world, client_for)
    url = reverse("report-band-set", args=[band_set.pk])
    mine, theirs = _form(first, band_set), _form(second, band_set)
    assert (
        first.post(url, {**mine, "band-0-label": "Early steps", "action": "save"}).status_code
        == 302
    )
    late = second.post(url, {**theirs, "name": "Attainment 2026", "action": "save"})
    assert late.status_code == 409
    body = late.content.decode()
    assert "Early steps" in body and "Attainment 2026" in body  # both values
    band_set.refresh_from_db()
    assert band_set.name == "Attainment"
    assert band_set.bands.filter(label="Early steps").exists()
