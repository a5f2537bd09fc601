"""URLs of the home app (the home page itself is `home` at `/`, in trackwell/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "home"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.pupil_search, name="search"),
]
