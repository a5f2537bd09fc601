"""Helpers for the security tests: a code from a user's authenticator app."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def app_code(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The six digits the user's app shows now (or `offset_steps` periods later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"
