"""The OpenAPI schema is valid, lists every endpoint, and the documentation is served."""

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from tests.api.test_permissions import _api_routes

pytestmark = pytest.mark.django_db


def _schema() -> dict:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_and_fails_on_no_warning() -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_every_endpoint_appears_in_the_schema() -> None:
    paths = set(_schema()["paths"])
    for route in _api_routes():
        as_openapi = "/" + route.replace("<int:pk>", "{id}")
        assert as_openapi in paths, route


def test_every_operation_declares_the_key_and_problem_details() -> None:
    schema = _schema()
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"apiKey": []} in operation.get("security", []), (method, path)


def test_documentation_is_served_from_installed_packages() -> None:
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger-ui" in body
    assert "cdn" not in body.lower() and "unpkg" not in body.lower()
    assert "/static/drf_spectacular_sidecar/" in body
