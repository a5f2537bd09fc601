"""Sign-in hashing: Argon2id at the OWASP minimum, old hashes upgraded at the next sign-in."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher
from django.test import override_settings

from trackwell.accounts.hashers import SchoolServerArgon2PasswordHasher
from trackwell.accounts.models import User

HASHERS = [
    "trackwell.accounts.hashers.SchoolServerArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_parameters_at_or_above_the_owasp_minimum() -> None:
    hasher = SchoolServerArgon2PasswordHasher()
    assert hasher.memory_cost >= 19 * 1024
    assert hasher.time_cost >= 2
    assert hasher.parallelism >= 1
    encoded = hasher.encode("a password", hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert "m=19456,t=2,p=1" in encoded


def test_settings_use_it_first(settings) -> None:
    from trackwell import settings as project

    assert project.PASSWORD_HASHERS[0] == HASHERS[0]


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=HASHERS)
def test_old_argon2_hash_is_upgraded_at_sign_in() -> None:
    old = Argon2PasswordHasher().encode("correct horse", Argon2PasswordHasher().salt())
    user = User.objects.create(username="u", password=old)
    assert "m=102400" in user.password
    assert user.check_password("correct horse")
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
    assert identify_hasher(user.password).algorithm == "argon2"
    assert check_password("correct horse", user.password)
