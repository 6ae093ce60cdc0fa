from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.csat import load_demo_csat
from demo.data import DEMO_PASSWORD, load_demo
from demo.exclusions import load_demo_exclusions
from demo.kb import load_demo_kb
from demo.ladders import load_demo_ladders


class Command(BaseCommand):
    help = "Create the four seed tenants with their policies and demo users (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even though DEBUG is off."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: demo users with a known password would be created. "
                "Pass --force if you really mean it."
            )
        tenants = load_demo()
        for tenant in tenants:
            self.stdout.write(f"{tenant.slug}: {tenant.name}")
            load_demo_ladders(tenant=tenant)
            load_demo_csat(tenant=tenant)
            load_demo_exclusions(tenant=tenant)
            load_demo_kb(tenant=tenant)
        self.stdout.write(f"Demo users' password: {DEMO_PASSWORD}")
