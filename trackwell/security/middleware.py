"""Request checks after authentication: session limits, then the second sign-in step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from trackwell.security import mfa, sessions

# Pages an unverified sign-in may reach: signing in and out and the second step itself.
MFA_EXEMPT = {"login", "logout", "security:mfa-verify", "security:mfa-setup"}


class NoStoreMiddleware:
    """Ask browsers and proxies to keep no copy of any answer Trackwell makes itself.

    Pages show pupils' names, results and special-category flags, and school computers
    are shared: the back button after signing out, or a proxy's cache, must not show
    them again. Error answers are included (they name the signed-in person). An answer
    that sets its own `Cache-Control` keeps it; static files are served before this
    middleware (WhiteNoise) and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response


class SessionLimitsMiddleware:
    """Sign out after the school's idle timeout or the absolute session lifetime."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            why = sessions.expired(request.session)
            if why:
                minutes = int(request.session.get(sessions.IDLE_SECONDS, 1800)) // 60
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {minutes} minutes without activity. "
                    "Please sign in again."
                    if why == "idle"
                    else "Your sign-in has reached its time limit. Please sign in again.",
                )
        return self.get_response(request)


class MFARequiredMiddleware:
    """Until the second step is passed, only the second-step pages answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or mfa.is_verified(request):
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in MFA_EXEMPT:
            return None
        state = sessions.mfa_state(request.session, user)
        if state == "verify":
            target = reverse("security:mfa-verify")
        elif state == "setup":
            target = reverse("security:mfa-setup")
        else:
            return None
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(
                {"error": "two_step_sign_in", "message": "Finish signing in first."}, status=401
            )
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


# The largest id any of our databases can hold (SQLite and PostgreSQL bigint alike).
MAX_ID = 2**63 - 1


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        # The API answers problem details (RFC 9457), as its own errors do.
        return JsonResponse(
            {"title": "Bad request", "status": 400, "detail": message},
            status=400,
            content_type="application/problem+json",
        )
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": "bad_request", "message": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


class BadInputMiddleware:
    """Input no database can take is answered 400 or 404, never a database error (500).

    An id in the URL beyond any database's range is no id (404); a NUL character in a
    form value cannot be stored in PostgreSQL (400); a number too large for SQLite in any
    query, wherever a view forgot to bound it, is a 400 naming the problem.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None  # the API validates its own input and answers problem details
        for value in [*view_args, *view_kwargs.values()]:
            if isinstance(value, int) and not 0 <= value <= MAX_ID:
                raise Http404("No such page")
        queries = [request.GET]
        # Form bodies only: the API parses its JSON itself, and a malformed multipart
        # body is left for the view to answer.
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                queries.append(request.POST)
            except Exception:
                return None
        for query in queries:
            for key, values in query.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    return _bad_request(
                        request, f"The field {key!r} holds a NUL character, which is not allowed."
                    )
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError):
            return _bad_request(request, "A number in the request is too large.")
        return None
