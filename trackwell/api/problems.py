"""Every API error as problem details (RFC 9457), naming the field and the reason."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from trackwell.core.versioning import EditConflict

PROBLEM_TYPE = "https://trackwell.example/problems/"
CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "The request has a problem",
    401: "Sign in or send an API key",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Changed by someone else",
    413: "Too large",
    415: "Unsupported media type",
    429: "Too many requests",
}


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of {field, reason}."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():
                out += _flatten(value, f"{prefix}[{key}]")
                continue
            name = str(key) if key != "non_field_errors" else ""
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str | exceptions.ErrorDetail) for item in detail):
            return [{"field": prefix, "reason": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:
                out += _flatten(item, f"{prefix}[{index}]")
        return out
    return [{"field": prefix, "reason": str(detail)}]


def problem(
    status_code: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    slug: str | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + (slug or str(status_code)),
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(body, status=status_code, content_type=CONTENT_TYPE)


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering in problem details."""
    if isinstance(exc, EditConflict):
        return problem(409, exc.message, slug="conflict", conflict=exc.as_dict())
    if isinstance(exc, DjangoValidationError):
        errors = (
            [{"field": f, "reason": str(m)} for f, ms in exc.message_dict.items() for m in ms]
            if hasattr(exc, "error_dict")
            else [{"field": "", "reason": str(m)} for m in exc.messages]
        )
        return problem(400, errors[0]["reason"] if errors else "Invalid.", errors=errors)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found, or not yours to see.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = errors[0]["reason"] if errors else "Invalid input."
        if errors and errors[0]["field"]:
            detail = f"{errors[0]['field']}: {detail}"
        result = problem(400, detail, errors=errors)
    else:
        text = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
        result = problem(response.status_code, text)
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            result[header] = response[header]
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        result["Retry-After"] = str(int(wait))
    return result


def problem_response(status_code: int, detail: str) -> JsonResponse:
    """Problem details outside DRF (middleware, unknown URLs under /api/)."""
    return JsonResponse(
        {
            "type": PROBLEM_TYPE + str(status_code),
            "title": TITLES.get(status_code, "Error"),
            "status": status_code,
            "detail": detail,
        },
        status=status_code,
        content_type=CONTENT_TYPE,
    )


@csrf_exempt  # it changes nothing; a POST to a wrong URL is a 404, not a CSRF failure
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any URL under /api/ that is not an endpoint."""
    return problem_response(
        status.HTTP_404_NOT_FOUND, "No such endpoint. The documentation is at /api/docs/."
    )
