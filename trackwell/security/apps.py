"""Sign-in security, sessions, subject access and retention."""

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "trackwell.security"
    verbose_name = "Security and privacy"

    def ready(self) -> None:
        from trackwell.security import signals  # noqa: F401  (connects the audit receivers)
