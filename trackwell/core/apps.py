from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "trackwell.core"
    label = "core"
    verbose_name = "Schools and years"
