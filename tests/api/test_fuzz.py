"""No input gives a 500: schemathesis fuzzes every operation of the OpenAPI schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from tests.factories import World
from trackwell.api.models import Area
from trackwell.api.services import create_key
from trackwell.wsgi import application

pytestmark = pytest.mark.django_db

# The schema is read once, from the running application (it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As Django's test client does: keep the test's connection (and its transaction)
    # open across the requests the fuzzer sends straight to the WSGI application.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def key(world: World) -> str:
    _, secret = create_key(
        by=world.users["admin"],
        name="Fuzz",
        scopes=[f"{a}:write" for a in Area.values],
    )
    return secret


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_gives_a_server_error(case, key: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {key}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    if response.status_code >= 400:
        content_type = response.headers.get("Content-Type") or response.headers.get("content-type")
        value = content_type[0] if isinstance(content_type, list) else content_type
        assert str(value).startswith("application/problem+json"), (
            case.method,
            case.formatted_path,
            response.status_code,
        )
