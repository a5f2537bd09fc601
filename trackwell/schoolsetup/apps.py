from django.apps import AppConfig


class SchoolSetupConfig(AppConfig):
    name = "trackwell.schoolsetup"
    label = "schoolsetup"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "School setup: years, assessment points and rollover"
