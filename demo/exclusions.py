"""Each seed tenant's exclusions, worded as its policy document words them (seeds 000-003):
listed on the policy page, cited by agents closing a ticket as out of scope."""

from __future__ import annotations

from sla.exclusions import exclusion_save
from sla.models import Exclusion
from tenants.models import Tenant

EXCLUSIONS: dict[str, list[tuple[str, str]]] = {
    "bitcraft": [  # 000 "Exclusions"
        ("Client or third-party modifications",
         "Issues arising from modifications made by the client or third parties without prior "
         "approval."),
        ("Training and onboarding", "Training and onboarding of new users."),
        ("Hardware or infrastructure",
         "Hardware or infrastructure issues not directly related to the software solution."),
        ("Deprecated versions past end of life",
         "Support for deprecated versions of the software beyond the specified end-of-life "
         "date."),
    ],
    "bytez": [  # 001 "Support services do not include" (the seed's items end without a period)
        ("Extensive training",
         "Extensive training (available through our separate training services)"),
        ("New features or custom modifications",
         "Development of new features or custom modifications"),
        ("Third-party applications",
         "Support for third-party applications not provided by BytezTech"),
        ("Client infrastructure below requirements",
         "Issues caused by client infrastructure not meeting specified requirements"),
        ("Data recovery", "Data recovery services (beyond standard backup restoration)"),
    ],
    "ionetech": [  # 002 "Service Exclusions"
        ("Third-party software", "Third-party software issues."),
        ("Customizations", "Customizations beyond standard features."),
        ("Hardware", "Hardware-related problems (unless part of our service)."),
    ],
    "cloudops": [  # 003 "Support Exclusions"
        ("Unsupported third-party software or hardware",
         "Issues caused by third-party software or hardware not supported by us."),
        ("Customer modifications",
         "Issues caused by customer modifications to our software or infrastructure."),
        ("Unauthorized access",
         "Issues caused by unauthorized access to our systems or customer data."),
    ],
}  # fmt: skip


def load_demo_exclusions(*, tenant: Tenant) -> list[Exclusion]:
    """Create the tenant's seed exclusions that are missing (idempotent: one the tenant admin
    edited or retired is left as it is)."""
    have = set(Exclusion.objects.for_tenant(tenant).values_list("title", flat=True))
    created = []
    for order, (title, text) in enumerate(EXCLUSIONS.get(tenant.slug, [])):
        if title not in have:
            created.append(exclusion_save(
                tenant=tenant, exclusion=Exclusion(title=title, text=text, order=order)
            ))  # fmt: skip
    return created
