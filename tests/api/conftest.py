"""API fixtures: keys for a school admin's school with chosen scopes, and their clients."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.factories import World
from trackwell.api.models import ApiKey, Area
from trackwell.api.services import create_key

ALL_READ = [f"{a}:read" for a in Area.values]
ALL_WRITE = [f"{a}:write" for a in Area.values]


class ApiClient:
    """A test client that sends an API key and JSON."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, url: str, **params: Any):
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, data: object, **headers: str):
        return self.client.post(
            url, data, content_type="application/json", headers={**self.headers, **headers}
        )

    def patch(self, url: str, data: object):
        return self.client.patch(url, data, content_type="application/json", headers=self.headers)

    def delete(self, url: str, data: object | None = None):
        return self.client.delete(url, data, content_type="application/json", headers=self.headers)


@pytest.fixture
def make_key(world: World) -> Callable[..., tuple[ApiKey, str]]:
    def make(scopes: list[str], *, by: str = "admin", w: World | None = None):
        return create_key(by=(w or world).users[by], name="Test key", scopes=scopes)

    return make


@pytest.fixture
def api(make_key) -> Callable[..., ApiClient]:
    def client(scopes: list[str] | None = None, **kwargs: object) -> ApiClient:
        _, secret = make_key(scopes if scopes is not None else ALL_WRITE, **kwargs)
        return ApiClient(secret)

    return client
