"""404 and 403 answer in Trackwell's layout, never with Django's URL map, DEBUG on or off."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["debug-on", "debug-off"])
def debug(request, settings) -> bool:
    settings.DEBUG = request.param
    return request.param


def _page(response) -> str:
    return response.content.decode()


def test_an_unknown_address_is_our_404_page(world: World, client_for, debug: bool) -> None:
    response = client_for(world.users["teacher"]).get("/no/such/page/")
    page = _page(response)
    assert response.status_code == 404
    assert "We could not find that page" in page and 'class="brand"' in page
    assert "URLconf" not in page and "classes/&lt;int:class_id&gt;" not in page
    assert 'href="/"' in page  # a way back


def test_a_page_outside_the_role_is_our_404_page(world: World, client_for, debug: bool) -> None:
    # Governors see no pupil-level pages: a class grid is not there for them.
    response = client_for(world.users["governor"]).get(
        reverse("grid", args=[world.class_a.pk, "maths"])
    )
    page = _page(response)
    assert response.status_code == 404
    assert "We could not find that page" in page and "Traceback" not in page
    assert world.users["governor"].display_name in page  # the site's header, signed in


def test_a_read_only_change_is_our_403_page(world: World, client_for, debug: bool) -> None:
    url = reverse("grid-taught", args=[world.class_a.pk, "maths"])
    response = client_for(world.users["ta"]).post(
        url, {"framework": world.framework.pk, "mark": f"{world.objectives[0].pk}:1"}
    )
    page = _page(response)
    assert response.status_code == 403
    assert "This is not open to your account" in page and 'class="brand"' in page
    assert "Teaching assistant" in page


def test_signed_out_visitors_get_the_page_too(debug: bool) -> None:
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "We could not find that page" in _page(response) and "sign in" in _page(response)
