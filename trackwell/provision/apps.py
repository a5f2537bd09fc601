from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "trackwell.provision"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from trackwell.provision import imports  # noqa: F401  (registers the provision-map import)
