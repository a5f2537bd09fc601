"""Print the demo accounts and what each can see."""

from typing import Any

from django.core.management.base import BaseCommand

from trackwell.accounts.models import Role, User
from trackwell.demo.generator import DEMO_PASSWORD

ORDER = [Role.ADMIN, Role.LEADER, Role.SENCO, Role.TEACHER, Role.TA, Role.GOVERNOR]


class Command(BaseCommand):
    help = "List the demo logins (the first school's) and the shared demo password."

    def handle(self, *args: Any, **options: Any) -> None:
        users = list(User.objects.filter(username__regex=r"^[a-z0-9]+$").order_by("username"))
        if not users:
            self.stdout.write("No demo users found.")
            return
        users.sort(key=lambda u: (ORDER.index(Role(u.role)), u.username))
        self.stdout.write(
            self.style.SUCCESS(f"\nTrackwell demo logins (password for all: {DEMO_PASSWORD})")
        )
        for u in users:
            self.stdout.write(f"  {u.username:<14} {Role(u.role).label}")
        self.stdout.write(
            "Open http://127.0.0.1:8000/ and sign in, e.g. as teacher3 (Year 3's class teacher).\n"
        )
