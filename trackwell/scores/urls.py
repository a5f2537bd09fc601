"""URLs of the scores app."""

from django.urls import URLPattern, URLResolver

app_name = "scores"

urlpatterns: list[URLPattern | URLResolver] = []
