"""URLs of the parents app (mounted at family/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "parents"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("children/<int:pupil_id>/", views.child, name="child"),
    path(
        "children/<int:pupil_id>/reports/<int:round_id>/pdf/",
        views.child_report,
        name="child-report",
    ),
    path("join/", views.join, name="join"),
    path("invite/<str:token>/", views.accept, name="accept"),
    path("contacts/", views.contact_list, name="contacts"),
    path("pupils/<int:pupil_id>/", views.pupil_contacts, name="pupil-contacts"),
    path("pupils/<int:pupil_id>/preview/", views.preview, name="preview"),
    path("links/<int:link_id>/code/", views.link_code, name="link-code"),
    path("links/<int:link_id>/email/", views.link_email, name="link-email"),
    path("links/<int:link_id>/revoke/", views.link_revoke, name="link-revoke"),
    path("settings/", views.settings_page, name="settings"),
    path("releases/", views.releases, name="releases"),
    path("releases/<int:point_id>/", views.release, name="release"),
]
