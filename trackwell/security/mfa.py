"""Two-step sign-in: an authenticator app (TOTP) and one-time recovery codes, on django-otp.

Recovery codes carry 100 random bits and are stored only as a hash, so a copy of
the database does not reveal them. TOTP and recovery checks are throttled by
django-otp (each failure doubles the wait) on top of sign-in throttling.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from base64 import b32encode

import segno
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from trackwell.accounts.models import Role, User

#: Roles that reach special-category data or the whole school: two-step sign-in always.
MFA_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.SENCO, Role.TRUST_LEADER})
RECOVERY_NAME = "Recovery codes"
APP_NAME = "Authenticator app"
RECOVERY_CODE_COUNT = 10
# The session records whom its second step verified. Checked without a query on every
# request; a password change still ends the session, as Django's session hash does.
VERIFIED_KEY = "tw_mfa_verified_for"
_CODE = re.compile(r"^\d{6}$")


def requires_mfa(user: User, require_for_all: bool) -> bool:
    """True when the user may not use Trackwell without two-step sign-in."""
    return user.role in MFA_ROLES or bool(require_for_all)


def has_mfa(user: AbstractBaseUser) -> bool:
    """True once the user has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()


def start_setup(user: User) -> TOTPDevice:
    """A fresh unconfirmed authenticator for the user (an earlier unfinished one is replaced)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def pending_setup(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as an inline SVG QR code (no script, no network)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#1d2433", light="#ffffff", title="QR code for your authenticator app"
    )
    # Drawn by segno from our own otpauth:// address: paths only, no user text as markup.
    return mark_safe(svg)


def secret_text(device: TOTPDevice) -> str:
    """The shared secret in groups of four, for typing into an app by hand."""
    raw = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _hash(code: str) -> str:
    # 16 hex characters fit django-otp's token column; the code itself has 100 bits.
    return hashlib.sha256(_normalise(code).encode()).hexdigest()[:16]


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are shown once and never stored."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
        codes = []
        for _ in range(RECOVERY_CODE_COUNT):
            raw = "".join(secrets.choice(alphabet) for _ in range(20))
            codes.append("-".join(raw[i : i + 5] for i in range(0, 20, 5)))
        StaticToken.objects.bulk_create(StaticToken(device=device, token=_hash(c)) for c in codes)
    return codes


def confirm_setup(user: User, device: TOTPDevice, code: str) -> bool:
    """Confirm a new authenticator with a first code from it; other apps of the user go."""
    code = _normalise(code)
    if not _CODE.match(code):
        return False
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if not locked.verify_token(code):
            return False
        TOTPDevice.objects.filter(user=user).exclude(pk=locked.pk).delete()
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
    device.confirmed = True
    return True


def check_code(user: User, code: str) -> tuple[Device | None, bool]:
    """The device that accepts the code (a six-digit app code or a recovery code), if any.

    Returns (device, was_recovery_code). Rows are locked so a code cannot be used twice
    by two requests at once.
    """
    code = _normalise(code)
    if not code or len(code) > 40:
        return None, False
    with transaction.atomic():
        if _CODE.match(code):
            for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(code):
                    return device, False
            return None, False
        for static in StaticDevice.objects.select_for_update().filter(
            user=user, name=RECOVERY_NAME, confirmed=True
        ):
            if static.verify_token(_hash(code)):
                return static, True
    return None, False


def mark_verified(request: HttpRequest, device: Device) -> None:
    """Record in the session that this sign-in passed the second step."""
    if device.user_id == request.user.pk:
        request.session[VERIFIED_KEY] = request.user.pk


def is_verified(request: HttpRequest) -> bool:
    """True when this session passed the second step for the signed-in user."""
    pk = request.user.pk
    return pk is not None and request.session.get(VERIFIED_KEY) == pk


def remove_mfa(user: User) -> None:
    """Remove the user's authenticator apps and recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).delete()
