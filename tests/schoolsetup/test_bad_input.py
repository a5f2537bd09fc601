"""Hostile or malformed form input on every management page: a clear answer, never a 500."""

import pytest
from django.urls import reverse

from tests.factories import World
from tests.schoolsetup.test_permissions import URLS, _with_group

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
PAYLOADS = [
    {"version": HUGE, "pupil": [HUGE, "-1", "x"], "to_class": HUGE, "active": "maybe"},
    {
        "name": "\x00" * 5,
        "nc_year": "99",
        "year": HUGE,
        "start_date": "2026-02-30",
        "end_date": "31/12/2026",
        "point_pk_1": HUGE,
        "point_name_1": "A" * 500,
        "point_date_1": "not a date",
        "leaving_nc_year": HUGE,
        "left_on": "1900-01-01",
        "from_year": "0",
        "action": "apply",
        "confirm": "yes",
    },
    {
        "upn": "=cmd|' /C calc'!A0",
        "first_name": "<script>alert(1)</script>",
        "last_name": "Ω" * 200,
        "date_of_birth": "9999-99-99",
        "sex": "Q",
        "email": "a@" + "b" * 300 + ".example",
        "role": "trust_leader",
        "classes": [HUGE],
        "teachers": ["x"],
        "pupils": [HUGE],
        "effective_from": "tomorrow",
    },
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_post_is_a_server_error(world: World, client_for, payload) -> None:
    _with_group(world)
    admin = client_for(world.users["admin"])
    for name, method, args in URLS:
        if method != "POST":
            continue
        response = admin.post(reverse(name, args=args(world)), payload)
        assert response.status_code < 500, (name, response.status_code)
        assert b"<script>alert(1)</script>" not in response.content
