"""Print the demo accounts and what each can see."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Prefetch

from trackwell.accounts.models import Role, User
from trackwell.demo.generator import DEMO_PASSWORD
from trackwell.parents.models import ChildLink
from trackwell.pupils.models import StaffAssignment

ORDER = [
    Role.TRUST_LEADER,
    Role.ADMIN,
    Role.LEADER,
    Role.SENCO,
    Role.TEACHER,
    Role.TA,
    Role.GOVERNOR,
    Role.PARENT,
]


class Command(BaseCommand):
    help = "List the demo logins of the first school (and the trust leader) and the password."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", default="8000", help="Port shown in the sign-in address.")

    def handle(self, *args: Any, **options: Any) -> None:
        users = list(
            User.objects.filter(username__regex=r"^[a-z0-9]+$").prefetch_related(
                Prefetch(
                    "assignments",
                    queryset=StaffAssignment.objects.filter(school_class__year__is_current=True)
                    .select_related("school_class")
                    .order_by("school_class__nc_year", "school_class__name"),
                )
            )
        )
        if not users:
            self.stdout.write("No demo users found.")
            return
        users.sort(key=lambda u: (ORDER.index(Role(u.role)), u.username))
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        for u in users:
            classes = ", ".join(a.school_class.name for a in u.assignments.all())
            if u.role == Role.PARENT:
                classes = "parent of " + ", ".join(
                    f"{link.pupil.first_name} ({link.pupil.get_nc_year_display()})"
                    for link in ChildLink.objects.filter(
                        contact__user=u, revoked_at__isnull=True
                    ).select_related("pupil")
                )
            self.stdout.write(f"  {u.username:<12} {Role(u.role).label:<20} {classes}".rstrip())
        self.stdout.write(
            f"\nOpen http://127.0.0.1:{options['port']}/ and sign in, "
            "for example as teacher3 (Year 3's class teacher).\n"
        )
