"""Django's `flush`, allowed past the append-only triggers: wiping everything is its purpose."""

from typing import Any

from django.core.management.commands import flush

from trackwell.core.append_only import allow_erasure


class Command(flush.Command):
    help = flush.Command.help + " Append-only tables are emptied too."

    def handle(self, **options: Any) -> None:
        with allow_erasure("flush"):
            super().handle(**options)
