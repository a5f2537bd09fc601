from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "trackwell.provision"
    default_auto_field = "django.db.models.BigAutoField"
