from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "trackwell.home"
    default_auto_field = "django.db.models.BigAutoField"
