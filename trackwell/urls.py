"""URL map of Trackwell."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from trackwell.assessment import views as assessment_views
from trackwell.core import views as core_views
from trackwell.interop import archive_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("classes/<int:class_id>/grid/<slug:subject_slug>/", assessment_views.grid, name="grid"),
    path(
        "classes/<int:class_id>/grid/<slug:subject_slug>/cell/",
        assessment_views.save_cell,
        name="grid-cell",
    ),
    path(
        "classes/<int:class_id>/grid/<slug:subject_slug>/bulk/",
        assessment_views.bulk_column,
        name="grid-bulk",
    ),
    path(
        "classes/<int:class_id>/grid/<slug:subject_slug>/taught/",
        assessment_views.mark_taught,
        name="grid-taught",
    ),
    path(
        "classes/<int:class_id>/grid/<slug:subject_slug>/history/",
        assessment_views.cell_history,
        name="grid-history",
    ),
    path("school/archive/", archive_views.download, name="school-archive"),
    path("curriculum/", include("trackwell.curriculum.urls")),
    path("provision/", include("trackwell.provision.urls")),
    path("meetings/", include("trackwell.meetings.urls")),
    path("scores/", include("trackwell.scores.urls")),
    path("family/", include("trackwell.parents.urls")),
    path("api/", include("trackwell.api.urls")),
    path("reports/", include("trackwell.printed.urls")),
    path("", include("trackwell.reports.urls")),
]
