"""What the band-rule pages share: who may use them, and the largest set."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis.documents import SCHEMA

MAX_BANDS: int = SCHEMA["properties"]["bands"]["maxItems"]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _manager(request: HttpRequest) -> User:
    """Leaders and admins; everyone else gets 404 (the page is not theirs to know of)."""
    user = _user(request)
    if not access.can_manage_assessment(user):
        raise Http404("No such page")
    return user
