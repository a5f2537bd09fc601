"""Default band sets and snapshots of already-closed points, for every school that lacks them."""

from typing import Any

from django.core.management.base import BaseCommand

from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.services import snapshot_closed_points
from trackwell.core.models import School


class Command(BaseCommand):
    help = "Add default band sets and snapshot closed assessment points that have no snapshot."

    def handle(self, *args: Any, **options: Any) -> None:
        for school in School.objects.order_by("pk"):
            made = create_default_bands(school)
            closed = snapshot_closed_points(school=school)
            self.stdout.write(
                f"{school.name}: {len(made)} band sets added, {len(closed)} closed points "
                "snapshotted from judgement history"
            )
