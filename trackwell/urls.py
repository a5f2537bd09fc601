"""URL map of Trackwell."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from trackwell.accounts.forms import ResetForm
from trackwell.assessment import views as assessment_views
from trackwell.home import views as home_views
from trackwell.interop import archive_views
from trackwell.security.views import signin as signin_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("search/", include("trackwell.home.urls")),
    path("accounts/login/", signin_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", signin_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Forgotten passwords, and the one-time set-password links emailed to new staff.
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=ResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/set/<uidb64>/<token>/",
        signin_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/set/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("people/staff/", include("trackwell.accounts.urls")),
    path("people/", include("trackwell.pupils.urls")),
    path("setup/", include("trackwell.schoolsetup.urls")),
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
    path("grid/cursor/", assessment_views.set_cursor, name="grid-cursor"),
    path("grid/settings/", assessment_views.grid_settings, name="grid-settings"),
    path("school/archive/", archive_views.download, name="school-archive"),
    path("curriculum/", include("trackwell.curriculum.urls")),
    path("provision/", include("trackwell.provision.urls")),
    path("meetings/", include("trackwell.meetings.urls")),
    path("scores/", include("trackwell.scores.urls")),
    path("family/", include("trackwell.parents.urls")),
    path("api/", include("trackwell.api.urls")),
    path("reports/", include("trackwell.printed.urls")),
    path("imports/", include("trackwell.interop.urls")),
    path("security/", include("trackwell.security.urls")),
    path("", include("trackwell.reports.urls")),
]
