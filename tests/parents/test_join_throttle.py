"""The join page limits tries of printed codes, per address and per code, and audits it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import World
from trackwell.accounts.models import AuditEntry, User
from trackwell.parents import services
from trackwell.parents.models import JoinThrottle

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-family-password-42"


def _try(code: str, address: str = "203.0.113.7", username: str = "new"):
    return Client(REMOTE_ADDR=address).post(
        reverse("parents:join"),
        {"code": code, "username": username, "password": PASSWORD, "password2": PASSWORD},
    )


def _real_code(world: World) -> str:
    link = services.add_contact(
        user=world.users["admin"], pupil=world.pupils_a[0], first_name="A", last_name="B"
    )
    return services.print_code(user=world.users["admin"], link=link).secret


def test_an_address_is_stopped_after_ten_wrong_codes_even_with_a_right_one(
    world: World, settings
) -> None:
    settings.FAMILY_CODE_TRIES_PER_ADDRESS = 10
    real = _real_code(world)
    for n in range(10):
        response = _try(f"ABCD-EFGH-{n:04d}")
        assert response.status_code == 400, n
    refused = _try(real)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    body = refused.content.decode()
    assert "Too many codes have been tried from this connection" in body
    assert "please wait 15 minutes" in body
    assert not User.objects.filter(username="new").exists()  # the right code was not tried
    # Another address is not held up by this one.
    assert _try(real, address="198.51.100.2").status_code == 302
    audit = AuditEntry.objects.filter(action="family.join_throttled")
    assert audit.count() == 1 and (audit.get().new or {})["scope"] == "address"
    # Nothing anyone typed is kept: only hashes.
    keys = set(JoinThrottle.objects.values_list("key", flat=True))
    assert all(len(k) == 64 for k in keys) and "203.0.113.7" not in keys


def test_one_code_is_stopped_after_five_tries_from_many_addresses(world: World) -> None:
    for n in range(5):
        assert _try("WXYZ-WXYZ-WXYZ", address=f"192.0.2.{n}").status_code == 400
    refused = _try("wxyz-wxyz-wxyz", address="192.0.2.99")  # the same code, written otherwise
    assert refused.status_code == 429
    assert "Too many codes have been tried like this" in refused.content.decode()
    assert _try("WXYZ-WXYZ-WXYA", address="192.0.2.99").status_code == 400  # another code
    entry = AuditEntry.objects.filter(action="family.join_throttled").get()
    assert (entry.new or {})["scope"] == "code"


def test_the_window_ends_and_a_right_code_does_not_count(world: World, settings) -> None:
    settings.FAMILY_CODE_TRIES_PER_ADDRESS = 10
    for n in range(10):
        _try(f"ABCD-EFGH-{n:04d}")
    assert _try("ABCD-EFGH-9999").status_code == 429
    JoinThrottle.objects.update(window_started_at=timezone.now() - timedelta(minutes=16))
    real = _real_code(world)
    assert _try(real).status_code == 302
    # A taken username with a right code is the parent's mistake, not a guess: not counted.
    second = _real_code(world)
    before = list(JoinThrottle.objects.order_by("pk").values_list("failures", flat=True))
    assert _try(second, username="new").status_code == 400
    assert list(JoinThrottle.objects.order_by("pk").values_list("failures", flat=True)) == before


def test_a_code_typed_with_spaces_or_in_lower_case_is_the_same_code() -> None:
    from trackwell.parents.models import secret_hash

    assert (
        secret_hash("K7QX M2PD 9HTA")
        == secret_hash("k7qx-m2pd-9hta")
        == secret_hash(" K7QXM2PD9HTA\n")
    )


def test_tries_sent_at_once_are_counted_before_any_code_is_checked(world: World, settings) -> None:
    """A script cannot slip tries past the limit by sending them before any is counted."""
    from trackwell.parents import throttle

    settings.FAMILY_CODE_TRIES_PER_ADDRESS = 3
    # Three tries begun together (none has been checked yet): each is counted at once.
    tries = [throttle.begin("203.0.113.9", f"ABCD-EFGH-{n:04d}") for n in range(4)]
    assert [t.refusal is None for t in tries] == [True, True, True, False]
    assert tries[3].refusal is not None and tries[3].refusal.scope == "address"


def test_an_ipv6_connection_is_counted_by_its_network_not_each_address(
    world: World, settings
) -> None:
    settings.FAMILY_CODE_TRIES_PER_ADDRESS = 3
    for n in range(3):
        assert _try(f"ABCD-EFGH-{n:04d}", address=f"2001:db8:5:7::{n + 1:x}").status_code == 400
    # Another address in the same /64 is the same connection; another /64 is not.
    assert _try("ABCD-EFGH-0009", address="2001:db8:5:7:ffff::1").status_code == 429
    assert _try("ABCD-EFGH-0009", address="2001:db8:5:8::1").status_code == 400
    # An IPv4 address written as IPv6 is that IPv4 address.
    for n in range(3):
        _try(f"WXYZ-EFGH-{n:04d}", address="192.0.2.44")
    assert _try("WXYZ-EFGH-0009", address="::ffff:192.0.2.44").status_code == 429


def test_rows_of_past_windows_are_removed(world: World) -> None:
    _try("ABCD-EFGH-0001", address="192.0.2.1")
    JoinThrottle.objects.update(window_started_at=timezone.now() - timedelta(minutes=16))
    _try("ABCD-EFGH-0002", address="192.0.2.2")
    # Only the rows of the second try are left: an address and a code, one failure each.
    assert sorted(JoinThrottle.objects.values_list("scope", "failures")) == [
        ("address", 1),
        ("code", 1),
    ]


def test_a_refused_address_writes_nothing_for_the_codes_it_sends(world: World, settings) -> None:
    settings.FAMILY_CODE_TRIES_PER_ADDRESS = 3
    for n in range(3):
        _try(f"ABCD-EFGH-{n:04d}")
    rows = JoinThrottle.objects.count()
    for n in range(5):
        assert _try(f"QRST-EFGH-{n:04d}").status_code == 429
    assert JoinThrottle.objects.count() == rows  # no row for each new code


def test_a_code_with_tabs_or_new_lines_is_counted_as_the_same_code() -> None:
    from trackwell.parents.throttle import _hash

    assert _hash("code", "wxyz-wxyz-wxyz") == _hash("code", "WXYZ\tWXYZ\nWXYZ")


def test_thirty_wrong_codes_from_one_address_by_default(world: World) -> None:
    for n in range(30):
        assert _try(f"ABCD-EFGH-{n:04d}").status_code == 400, n
    assert _try("ABCD-EFGH-9999").status_code == 429
