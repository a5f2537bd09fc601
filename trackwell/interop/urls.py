"""Imports and exports of pupils, staff and classes: MIS CSV, OneRoster, CTF, transition records."""

from django.urls import URLPattern, path

from trackwell.interop import import_views, transfer_views

app_name = "imports"

urlpatterns: list[URLPattern] = [
    path("", import_views.index, name="index"),
    path("new/<slug:kind>/", import_views.upload, name="upload"),
    path("<int:pending_id>/columns/", import_views.columns, name="columns"),
    path("<int:pending_id>/", import_views.preview, name="preview"),
    path("<int:pending_id>/discard/", import_views.discard, name="discard"),
    path("leavers/", transfer_views.leavers, name="leavers"),
    path("leavers/ctf/", transfer_views.leavers_ctf, name="leavers-ctf"),
    path("leavers/transition/", transfer_views.leavers_transition, name="leavers-transition"),
    path("pupils/<int:pupil_id>/transition/", transfer_views.received, name="transition-received"),
]
