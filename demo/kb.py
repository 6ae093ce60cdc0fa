"""Demo help articles per seed tenant (idempotent: an article is found by its slug)."""

from __future__ import annotations

from kb import services
from kb.models import Article, Visibility
from tenants.models import Membership, Tenant
from tenants.roles import Role
from tickets.models import Category

# (slug, title, category key, visibility, Markdown body)
ARTICLES: list[tuple[str, str, str, str, str]] = [
    ("reset-your-password", "Resetting your password", "account", Visibility.PUBLIC,
     "If you cannot sign in:\n\n"
     "1. Open the sign-in page and choose **Forgot your password?**\n"
     "2. Enter the email address you sign in with.\n"
     "3. Follow the link in the email within 24 hours; it works once.\n\n"
     "No email after ten minutes? Check the spam folder, then ask a colleague who is a "
     "client admin to confirm your address. If nobody in your organisation can sign in, "
     "open a ticket with **High** priority."),
    ("write-a-good-ticket", "How to write a ticket we can solve quickly", "technical",
     Visibility.PUBLIC,
     "A ticket with the right details skips a round of questions:\n\n"
     "- **What happened**: the exact error message (a screenshot helps).\n"
     "- **When** it started, and whether it still happens.\n"
     "- **Who** is affected: one person, a team, everyone.\n"
     "- **What changed** just before: an update, a new device, a password change.\n\n"
     "Choose the priority from the guidance shown on the form: the response and resolution "
     "times we promise follow from it."),
    ("export-timeouts", "Large exports time out", "technical", Visibility.CLIENTS,
     "Exports of more than about 50,000 rows can take longer than the browser waits.\n\n"
     "- Narrow the date range and export in parts, or\n"
     "- use the scheduled export, which emails a download link when the file is ready.\n\n"
     "If a scheduled export fails too, open a ticket and include the export's settings."),
    ("invoices-and-vat", "Reading your invoice and VAT", "billing", Visibility.CLIENTS,
     "Each invoice lists the plan, the period and the VAT rate of your billing country.\n\n"
     "If the VAT rate looks wrong, check the billing country and VAT number on your "
     "organisation's account first; a corrected invoice can be issued for the last 12 "
     "months. Billing questions are **Low** priority unless your service was suspended."),
    ("add-an-admin", "Adding a second administrator", "account", Visibility.CLIENTS,
     "A client admin can invite colleagues from **Organisation** in the top menu. To give "
     "a colleague admin rights too, ask us in a ticket: for your security we confirm role "
     "changes with the organisation's primary support contact."),
]  # fmt: skip


def load_demo_kb(*, tenant: Tenant) -> list[Article]:
    author = (
        Membership.objects.for_tenant(tenant)
        .filter(role__in=[Role.AGENT, Role.TENANT_ADMIN])
        .order_by("role", "pk")
        .first()
    )
    if author is None:
        return []
    categories = {c.key: c for c in Category.objects.for_tenant(tenant)}
    existing = set(Article.objects.for_tenant(tenant).values_list("slug", flat=True))
    created = []
    for slug, title, category_key, visibility, body in ARTICLES:
        if slug in existing:
            continue
        article = services.article_save(
            tenant=tenant, author=author, title=title, body=body, visibility=visibility,
            category=categories.get(category_key), slug=slug,
        )  # fmt: skip
        created.append(services.article_publish(tenant=tenant, article=article))
    return created
