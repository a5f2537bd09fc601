"""URLs of the parents app."""

from django.urls import URLPattern, URLResolver

app_name = "parents"

urlpatterns: list[URLPattern | URLResolver] = []
