from typing import Any

from django.core.management.base import BaseCommand

from escalation.breach_scan import sla_scan_cross_tenant


class Command(BaseCommand):
    help = (
        "One pass of the SLA breach scan over every tenant: warnings, breaches (escalated), "
        "pause caps, dead recompute jobs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = sla_scan_cross_tenant()
        self.stdout.write(f"SLA scan: {result}")
