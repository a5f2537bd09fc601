"""API keys: made by school admins, stored hashed, shown once, revoked at once."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import ApiClient
from tests.factories import World, make_trust_leader
from trackwell.accounts.models import AuditEntry
from trackwell.api.models import ApiKey, hash_secret

pytestmark = pytest.mark.django_db

SCHOOL_URL = "/api/v1/school/"


def test_admin_makes_a_key_that_is_shown_once_and_stored_hashed(world: World, client_for) -> None:
    client = client_for(world.users["admin"])
    response = client.post(
        reverse("api:keys"),
        {"name": "MIS sync", "scope_people": "write", "scope_judgements": "read"},
    )
    assert response.status_code == 200
    key = ApiKey.objects.get()
    secret = response.context["created"][1]
    assert secret.startswith(f"tw_{key.prefix}_")
    assert secret.encode() in response.content
    assert key.secret_hash == hash_secret(secret) and secret not in key.secret_hash
    assert key.scopes == ["judgements:read", "people:write"]
    # Never shown again.
    again = client.get(reverse("api:keys"))
    assert secret.encode() not in again.content and b"MIS sync" in again.content
    assert AuditEntry.objects.filter(action="api_key_created").exists()
    assert ApiClient(secret).get(SCHOOL_URL).json()["name"] == world.school.name


def test_a_key_needs_a_name_and_a_scope(world: World, client_for) -> None:
    response = client_for(world.users["admin"]).post(reverse("api:keys"), {"name": ""})
    assert response.status_code == 400
    response = client_for(world.users["admin"]).post(reverse("api:keys"), {"name": "x"})
    assert response.status_code == 400
    assert b"Choose at least one area" in response.content
    assert not ApiKey.objects.exists()


def test_revoked_and_expired_keys_stop_working(world: World, client_for, make_key) -> None:
    key, secret = make_key(["people:read"])
    assert ApiClient(secret).get(SCHOOL_URL).status_code == 200
    client_for(world.users["admin"]).post(reverse("api:key-revoke", args=[key.pk]))
    response = ApiClient(secret).get(SCHOOL_URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert "revoked" in response.json()["detail"]
    key2, secret2 = make_key(["people:read"])
    ApiKey.objects.filter(pk=key2.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert "expired" in ApiClient(secret2).get(SCHOOL_URL).json()["detail"]


def test_wrong_or_forged_keys_are_refused(world: World, make_key) -> None:
    key, secret = make_key(["people:read"])
    for bad in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "tw_nope_x", "nonsense", ""):
        response = ApiClient(bad).get(SCHOOL_URL) if bad else ApiClient(None).get(SCHOOL_URL)
        assert response.status_code in (401, 403)
    assert ApiKey.objects.get(pk=key.pk).last_used_at is None


@pytest.mark.parametrize("role", ["leader", "teacher", "other_teacher", "ta", "senco", "governor"])
def test_only_admins_manage_keys(world: World, client_for, make_key, role: str) -> None:
    key, _ = make_key(["people:read"])
    client = client_for(world.users[role])
    assert client.get(reverse("api:keys")).status_code == 404
    assert client.post(reverse("api:key-revoke", args=[key.pk])).status_code == 404
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_another_schools_admin_cannot_revoke(
    world: World, other_world: World, client_for, make_key
) -> None:
    key, _ = make_key(["people:read"])
    response = client_for(other_world.users["admin"]).post(reverse("api:key-revoke", args=[key.pk]))
    assert response.status_code == 404
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_revoke_needs_post(world: World, client_for, make_key) -> None:
    key, _ = make_key(["people:read"])
    response = client_for(world.users["admin"]).get(reverse("api:key-revoke", args=[key.pk]))
    assert response.status_code == 405


def test_trust_leader_makes_a_read_only_analysis_key(world: World, client_for) -> None:
    assert world.school.trust is not None
    leader = make_trust_leader(world.school.trust)
    client = client_for(leader)
    response = client.post(reverse("api:keys"), {"name": "Dashboard", "scope_analysis": "read"})
    assert response.status_code == 200
    secret = response.context["created"][1]
    api = ApiClient(secret)
    overview = api.get("/api/v1/trust/overview/")
    assert overview.status_code == 200
    assert [s["school"] for s in overview.json()["schools"]] == [world.school.name]
    # Pupil-level data is out of reach for a trust key.
    assert api.get("/api/v1/figures/").status_code in (403, 404)
    assert api.get("/api/v1/pupils/").status_code == 403


def test_rate_limit_answers_429_with_retry_after(world: World, make_key, settings) -> None:
    settings.API_RATE_LIMIT = 3
    _, secret = make_key(["people:read"])
    client = ApiClient(secret)
    assert [client.get(SCHOOL_URL).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(SCHOOL_URL)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["status"] == 429
