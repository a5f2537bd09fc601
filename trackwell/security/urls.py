"""URLs of the security app, under security/."""

from django.urls import path

from trackwell.security.views import admin, mfa, subject_access

app_name = "security"

urlpatterns = [
    path("two-step/", mfa.overview, name="mfa"),
    path("two-step/set-up/", mfa.setup, name="mfa-setup"),
    path("two-step/verify/", mfa.verify, name="mfa-verify"),
    path("two-step/recovery-codes/", mfa.recovery_codes, name="mfa-recovery"),
    path("two-step/turn-off/", mfa.remove, name="mfa-remove"),
    path("sign-in-help/", admin.accounts, name="accounts"),
    path("sign-in-help/<int:account_id>/unlock/", admin.unlock, name="unlock"),
    path("sign-in-help/<int:account_id>/reset-two-step/", admin.reset_mfa, name="reset-mfa"),
    path("settings/", admin.policy, name="policy"),
    path("subject-access/", subject_access.index, name="subject-access"),
    path(
        "subject-access/pupils/<int:pupil_id>/",
        subject_access.pupil,
        name="subject-access-pupil",
    ),
]
