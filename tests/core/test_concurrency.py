"""Heavy work takes turns; light work and nested heavy work never wait (core/concurrency.py)."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings

from trackwell.accounts.hashers import SchoolServerArgon2PasswordHasher
from trackwell.assessment.views import grid
from trackwell.core.concurrency import heavy, heavy_work
from trackwell.reports.views import school_overview

ARGON2 = ["trackwell.accounts.hashers.SchoolServerArgon2PasswordHasher"]


def _most_at_once(workers: int, hold: float = 0.05) -> int:
    running = 0
    most = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, most
        with heavy_work():
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(hold)
            with lock:
                running -= 1

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return most


def test_one_heavy_piece_at_a_time_by_default() -> None:
    assert _most_at_once(4) == 1


@override_settings(HEAVY_WORK_AT_ONCE=2)
def test_the_number_at_once_is_a_setting() -> None:
    assert _most_at_once(5) == 2


@override_settings(HEAVY_WORK_AT_ONCE=0)
def test_zero_means_no_limit() -> None:
    assert _most_at_once(4, hold=0.2) == 4


def _holding(release: threading.Event, started: threading.Event) -> threading.Thread:
    def hold() -> None:
        with heavy_work():
            started.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(5)
    return thread


def test_light_work_and_nested_heavy_work_do_not_wait() -> None:
    release, started = threading.Event(), threading.Event()
    holder = _holding(release, started)
    try:
        # This thread has no turn; it is not heavy work, so it runs at once.
        start = time.monotonic()
        sum(range(1000))
        assert time.monotonic() - start < 1
        # A thread already taking its turn may start more heavy work without waiting.
        done = threading.Event()

        def nested() -> None:
            with heavy_work(), heavy_work():
                done.set()

        release_first = threading.Thread(target=nested)
        release_first.start()
        assert not done.wait(0.2)  # waits for the holder's turn, not for itself
        release.set()
        assert done.wait(5)
        release_first.join(5)
    finally:
        release.set()
        holder.join(5)


@override_settings(HEAVY_WORK_WAIT=0.2)
def test_work_runs_anyway_after_the_wait() -> None:
    release, started = threading.Event(), threading.Event()
    holder = _holding(release, started)
    try:
        start = time.monotonic()
        with heavy_work():
            waited = time.monotonic() - start
        assert 0.15 <= waited < 5
    finally:
        release.set()
        holder.join(5)


@override_settings(PASSWORD_HASHERS=ARGON2)
def test_a_password_check_waits_for_its_turn() -> None:
    encoded = make_password("correct horse", hasher="argon2")
    assert encoded.startswith(str(SchoolServerArgon2PasswordHasher.algorithm))
    release, started = threading.Event(), threading.Event()
    holder = _holding(release, started)
    result: list[bool] = []
    checker = threading.Thread(
        target=lambda: result.append(check_password("correct horse", encoded))
    )
    try:
        checker.start()
        checker.join(0.3)
        assert checker.is_alive() and not result  # the hash waits while another has the turn
        release.set()
        checker.join(5)
        assert result == [True]
    finally:
        release.set()
        holder.join(5)


def test_heavy_marks_the_pages_that_take_turns() -> None:
    @heavy
    def page() -> str:
        return "done"

    assert page() == "done"
    for view in (grid, school_overview, page):
        assert getattr(view, "takes_turns", False), view


def test_signing_in_takes_a_turn(monkeypatch) -> None:
    """The sign-in POST (password check, throttling records, session) is heavy work."""
    from django.contrib.auth import views as auth_views
    from django.http import HttpResponse
    from django.test import RequestFactory

    from trackwell.security.views.signin import SignInView

    ran = threading.Event()

    def post(self: object, request: object, *args: object, **kwargs: object) -> HttpResponse:
        ran.set()
        return HttpResponse("signed in")

    monkeypatch.setattr(auth_views.LoginView, "post", post)
    request = RequestFactory().post("/accounts/login/", {"username": "x", "password": "y"})
    request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
    release, started = threading.Event(), threading.Event()
    holder = _holding(release, started)
    signer = threading.Thread(target=lambda: SignInView.as_view()(request))
    try:
        signer.start()
        assert not ran.wait(0.3)  # waiting for the turn another request holds
        release.set()
        assert ran.wait(5)
        signer.join(5)
    finally:
        release.set()
        holder.join(5)


@pytest.mark.django_db
def test_work_inside_a_transaction_does_not_wait() -> None:
    """A transaction may hold SQLite's write lock: waiting for a turn would stall every save."""
    from django.db import connection, transaction

    release, started = threading.Event(), threading.Event()
    holder = _holding(release, started)
    try:
        with transaction.atomic():
            assert connection.in_atomic_block
            start = time.monotonic()
            with heavy_work():
                waited = time.monotonic() - start
        assert waited < 0.5
    finally:
        release.set()
        holder.join(5)
