from typing import Any

from django.core.management.base import BaseCommand

from escalation.scan import escalation_scan_cross_tenant


class Command(BaseCommand):
    help = "One pass of the escalation acknowledgement scan over every tenant."

    def handle(self, *args: Any, **options: Any) -> None:
        result = escalation_scan_cross_tenant()
        self.stdout.write(f"Escalation scan: {result}")
