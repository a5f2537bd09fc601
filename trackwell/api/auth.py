"""How a request to the API is authenticated, scoped to an area, and rate-limited."""

from __future__ import annotations

import datetime as dt
import hmac
import math
from typing import Any

from django.conf import settings
from django.db.models import Case, F, Value, When
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from trackwell.api.models import KEY_PREFIX, ApiKey, hash_secret

WINDOW = dt.timedelta(minutes=1)
ANY_AREA = "*"


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer tw_<prefix>_<secret>`; revoked or expired keys are refused."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith(self.keyword + " "):
            return None
        token = header[len(self.keyword) + 1 :].strip()
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or len(parts[1]) > 12:
            raise exceptions.AuthenticationFailed("That is not a Trackwell API key.")
        key = (
            ApiKey.objects.select_related("user", "user__school", "school", "trust")
            .filter(prefix=parts[1])
            .first()
        )
        if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(token)):
            raise exceptions.AuthenticationFailed("Unknown API key.")
        if key.revoked_at is not None or not key.user.is_active:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if key.expires_at is not None and key.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This API key has expired.")
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="trackwell"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "trackwell.api.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API key created by a school admin under Settings > API keys, sent as "
                "`Authorization: Bearer tw_<prefix>_<secret>`."
            ),
        }


class AreaPermission(BasePermission):
    """A key reaches only the areas it was granted; write needs the area's write scope.

    Sessions of signed-in staff reach what the access layer lets them see;
    views refuse writes their role may not make.
    """

    message = "This API key has no access to this area."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is None:
            return True
        area = getattr(view, "area", None)
        if area is None:
            return False
        write = request.method not in SAFE_METHODS
        if key.trust_id is not None and write:
            return False
        if area == ANY_AREA and not write:
            # Reports across areas (deletions) filter their rows by the key's scopes.
            return key.trust_id is None
        if not key.allows(area, write=write):
            level = "write" if write else "read"
            self.message = f"This API key may not {level} {area}; its scopes are: " + (
                ", ".join(key.scopes)
            )
            return False
        return True


class KeyRateThrottle(BaseThrottle):
    """Requests per key per minute (`API_RATE_LIMIT`), counted in the database.

    One UPDATE a request starts or advances the key's window and marks it
    used, so every web process shares the count.
    """

    def __init__(self) -> None:
        self.wait_seconds: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is None:
            return True
        now = timezone.now()
        ApiKey.objects.filter(pk=key.pk).update(
            window_count=Case(
                When(window_started_at__gt=now - WINDOW, then=F("window_count") + 1),
                default=Value(1),
            ),
            window_started_at=Case(
                When(window_started_at__gt=now - WINDOW, then=F("window_started_at")),
                default=Value(now),
            ),
            last_used_at=now,
        )
        started, count = ApiKey.objects.filter(pk=key.pk).values_list(
            "window_started_at", "window_count"
        )[0]
        limit = int(getattr(settings, "API_RATE_LIMIT", 600))
        if count <= limit:
            return True
        started = started or now
        self.wait_seconds = max(1.0, (started + WINDOW - now).total_seconds())
        return False

    def wait(self) -> float | None:
        return math.ceil(self.wait_seconds) if self.wait_seconds else None
