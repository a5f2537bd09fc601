from django.apps import AppConfig


class PrintedConfig(AppConfig):
    name = "trackwell.printed"
    verbose_name = "Printed reports"
    default_auto_field = "django.db.models.BigAutoField"
