"""No 500 anywhere: every URL swept with hostile ids in the path and hostile form values.

Built on the permission matrix: each URL is asked as a role that reaches its view, with
its valid data and then one field at a time replaced by a hostile value.
"""

import inspect
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, ROLES, Entry, _request, load_cases

pytestmark = pytest.mark.django_db

ENTRIES, ORIGIN = load_cases()
# Sent one field at a time (numbers a view may parse) ...
# 5,000 digits: more than int() reads (a ValueError); 2**63: one past the database's ids;
# "²": a digit to str.isdigit() that int() refuses.
HOSTILE = ["99999999999999999999999", "abc", "9" * 5000, str(2**63), "\u00b2"]
# ... and in every field at once (text no field may take as it is).
HOSTILE_ALL = ["a\x00b", "x" * 3000 + "<b>'\";--", "-1"]
HOSTILE_IDS: list[Any] = [0, 2**63 - 1, 2**63, 10**30]
_PARAM = re.compile(r"""request\.(?:GET|POST)(?:\.get|\.getlist)?[(\[]\s*["']([\w-]+)["']""")
COMMON = {"pupil", "objective", "framework", "version"}


class _DrawnOnce:
    """A WeasyPrint document whose PDF (asked for as bytes) is written once."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.pdf: bytes | None = None

    def write_pdf(self, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:  # a target or options: written as asked, every time
            return self.document.write_pdf(*args, **kwargs)
        if self.pdf is None:
            self.pdf = self.document.write_pdf()
        return self.pdf

    def __getattr__(self, name: str) -> Any:
        return getattr(self.document, name)


@pytest.fixture(autouse=True)
def _same_html_drawn_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A printed page whose HTML is one already drawn in this test gives that one's PDF.

    Most hostile values in a field a printed view does not read leave its HTML as it
    was, and WeasyPrint draws the same HTML the same way; drawing it again for each was
    most of the suite's time on the PDF views. Any value that changes the HTML is drawn.
    """
    from django.template.loader import render_to_string

    from trackwell.printed import render

    original = render._html_document
    drawn: dict[tuple[Any, ...], _DrawnOnce] = {}

    def once(template: str, context: dict[str, Any], **kwargs: Any) -> Any:
        html = render_to_string(template, context)
        key = (template, html, kwargs.get("print_css", True), "printer" in kwargs)
        if key not in drawn:
            drawn[key] = _DrawnOnce(original(template, context, **kwargs))
        return drawn[key]

    monkeypatch.setattr(render, "_html_document", once)


def _role_for(entry: Entry, method: str) -> str | None:
    expected = entry.get if method == "get" else entry.post
    for role in ROLES:
        if role != "anonymous" and expected.status(role) not in (404, 405):
            return role
    return None


def _params(url: str, entry: Entry, world: World) -> set[str]:
    view = resolve(url).func
    module = inspect.getmodule(getattr(view, "view_class", view))
    source = inspect.getsource(module) if module else ""
    return set(_PARAM.findall(source)) | set(entry.data(world)) | COMMON


def _client(role: str, world: World) -> Client:
    client = Client()
    user = ROLES[role](world)
    assert user is not None
    client.force_login(user)
    return client


def _send(client: Client, method: str, url: str, data: dict[str, Any], world: World) -> Any:
    probe = Entry(get=NOT_ALLOWED, post=NOT_ALLOWED, data=lambda w: data)
    return _request(client, method, url, probe, world)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_no_500_for_hostile_values(name: str, world: World) -> None:
    entry = ENTRIES[name]
    kwargs = entry.kwargs(world)
    problems = []
    for method in ("get", "post"):
        role = _role_for(entry, method)
        if role is None:
            continue
        client = _client(role, world)
        # Hostile ids and slugs in the path.
        for key, value in kwargs.items():
            for bad_arg in HOSTILE_IDS if isinstance(value, int) else ["-", "x" * 300]:
                url = reverse(name, kwargs={**kwargs, key: bad_arg})
                got = _send(client, method, url, entry.data(world), world)
                if not isinstance(got, int) or got >= 500:
                    problems.append(f"{method.upper()} {url[:120]} as {role}: {got}")
        url = reverse(name, kwargs=kwargs)
        base = entry.data(world)
        params = sorted(_params(url, entry, world))
        for bad in HOSTILE_ALL:
            got = _send(client, method, url, {**base, **dict.fromkeys(params, bad)}, world)
            if not isinstance(got, int) or got >= 500:
                problems.append(f"{method.upper()} {url} every field={bad[:30]!r}: {got}")
        for param in params:
            for bad in HOSTILE:
                got = _send(client, method, url, {**base, param: bad}, world)
                if not isinstance(got, int) or got >= 500:
                    problems.append(f"{method.upper()} {url} {param}={bad[:30]!r} as {role}: {got}")
    assert not problems, "\n".join(problems)
