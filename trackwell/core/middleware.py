"""Not-found and not-allowed pages in Trackwell's own layout, whether DEBUG is on or off."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

TEMPLATES = {404: "404.html", 403: "403.html"}
CSRF_TEMPLATE = "403_csrf.html"


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    """The page for a 404 or 403, with the site's header and a way back."""
    response = render(request, TEMPLATES[status], {"request_path": request.path}, status=status)
    response.trackwell_error_page = True  # type: ignore[attr-defined]
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check (`CSRF_FAILURE_VIEW`): say it expired, not that the
    account may not do it. The reason Django gives is logged by Django, never shown."""
    response = render(request, CSRF_TEMPLATE, status=403)
    response.trackwell_error_page = True  # type: ignore[attr-defined]
    return response


class ErrorPagesMiddleware:
    """Answer 404 and 403 with our pages, never Django's debug page with the URL map.

    With DEBUG off Django renders 404.html and 403.html itself; with DEBUG on (as under
    `make run`) it shows its technical pages, which list every URL of the site. A view's
    Http404 or PermissionDenied is answered here; an address that matches no URL is
    turned into a 404 before any view runs, so its HTML answer is replaced on the way out
    (no view of ours answers 404 or 403 with a page of its own). JSON answers (the grid's
    script, the API) are left as they are.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code in TEMPLATES
            and not getattr(response, "trackwell_error_page", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return error_page(request, response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return error_page(request, 404)
        if isinstance(exception, PermissionDenied):
            return error_page(request, 403)
        return None
