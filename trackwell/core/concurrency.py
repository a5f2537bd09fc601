"""Heavy work takes turns, so light requests never queue behind it.

Under gunicorn's threaded workers (`trackwell/gunicorn.py`) a process serves
several requests at once. Most are light: a cell save is a few milliseconds.
A few are heavy: a password check (Argon2id, about 40 ms of CPU and 19 MiB),
a class grid (about 40 ms), a whole-school overview (150 ms or more). When
75 staff sign in and open their grids within a second or two, running every
heavy request at once would leave the teachers already typing waiting for the
CPU behind them.

`heavy_work()` lets at most `HEAVY_WORK_AT_ONCE` pieces of heavy work run at
a time in each process (one by default). The others wait without using the
CPU, and light requests run beside the one that is running. Taking turns is
re-entrant in a thread, so heavy work that calls other heavy work (a sign-in
page that checks a password) never waits for itself. Work inside a database
transaction never waits either: on SQLite the transaction holds the one write
lock, and every save in every process would wait with it. After
`HEAVY_WORK_WAIT` seconds of waiting the work runs anyway, so a stuck
request can slow the others but never stop them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import connection

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_turns: dict[int, threading.BoundedSemaphore] = {}
_local = threading.local()


def _semaphore() -> threading.BoundedSemaphore | None:
    at_once = int(getattr(settings, "HEAVY_WORK_AT_ONCE", 1))
    if at_once <= 0:
        return None
    with _lock:
        turns = _turns.get(at_once)
        if turns is None:
            turns = _turns[at_once] = threading.BoundedSemaphore(at_once)
        return turns


@contextmanager
def heavy_work() -> Iterator[None]:
    """Wait for a turn (unless this thread already has one), then run."""
    depth = getattr(_local, "depth", 0)
    turns = _semaphore() if depth == 0 and not connection.in_atomic_block else None
    acquired = False
    if turns is not None:
        acquired = turns.acquire(timeout=float(getattr(settings, "HEAVY_WORK_WAIT", 30)))
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth = depth
        if acquired and turns is not None:
            turns.release()


def heavy(fn: Callable[P, R]) -> Callable[P, R]:
    """A view (or any function) that runs as heavy work: see `heavy_work`."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with heavy_work():
            return fn(*args, **kwargs)

    wrapper.takes_turns = True  # type: ignore[attr-defined]  # kept by outer decorators' wraps
    return wrapper
