from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "trackwell.core"
    label = "core"
    verbose_name = "Schools and years"

    def ready(self) -> None:
        # Registers the SQLite function the append-only triggers call.
        from trackwell.core import append_only  # noqa: F401
