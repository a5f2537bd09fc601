from django.apps import AppConfig


class ParentsConfig(AppConfig):
    name = "trackwell.parents"
    default_auto_field = "django.db.models.BigAutoField"
