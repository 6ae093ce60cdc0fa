"""Each seed tenant's public policy page against its seed document (../shared/seeds/000-003).

Two directions per tenant:
- every promise of the seed appears on the page (hours, response times per plan x priority,
  channels, contacts, escalation path, maintenance, holidays, exclusions);
- every promise on the page has the product behaviour behind it: the response time shown is the
  target a new ticket's clock runs on, the address shown is the one inbound mail is routed by,
  the escalation steps are the demo ladder's levels, a holiday listed is a day the clocks stop.

The expected texts are written out here from the documents, not read back from the seed module,
so a changed seed that drifts from its document fails.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine

from demo.data import DEMO_TENANTS, load_demo_tenant
from demo.ladders import load_demo_ladders
from escalation.models import EscalationLadder
from sla import policy_page
from sla.calendar_cache import business_calendar_for
from sla.durations import format_duration
from sla.models import Calendar, MaintenanceWindow, Metric, Plan, Priority, SlaClock
from tenants.models import Customer, Membership
from tenants.roles import Role
from tests.conftest import login_as
from tickets import services

# 1 June 2026: the next 365 days hold Independence Day on Saturday 4 July 2026 (observed Friday
# 3 July) and Juneteenth on Friday 19 June 2026.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

# seed-policies.md, first response per plan x priority: (duration, "24/7" or "business hours")
BH, ALWAYS = "business hours", "24/7"
RESPONSE_TIMES = {
    "bitcraft": {
        plan: {"Critical": ("1h", ALWAYS), "High": ("4h", BH), "Medium": ("24h", BH),
               "Low": ("48h", BH)}
        for plan in ("Standard", "Premium")
    },
    "bytez": {
        "Standard": {"Critical (P1)": ("4h", BH), "High (P2)": ("8h", BH),
                     "Medium (P3)": ("18h", BH), "Low (P4)": ("27h", BH)},
        "Premium": {"Critical (P1)": ("1h", ALWAYS), "High (P2)": ("4h", BH),
                    "Medium (P3)": ("9h", BH), "Low (P4)": ("18h", BH)},
    },
    "ionetech": {
        "Standard": {"Critical": ("1h", BH), "High": ("4h", BH), "Medium": ("24h", BH),
                     "Low": ("48h", BH)},
    },
    "cloudops": {
        "Standard": {p: ("9h", BH) for p in ("High", "Medium", "Low")},
        "Enterprise": {p: ("30m", ALWAYS) for p in ("High", "Medium", "Low")},
    },
}  # fmt: skip

HOURS = {
    "bitcraft": ["Monday–Friday 10:00-18:00 (Asia/Kolkata)"],
    "bytez": ["Monday–Friday 09:00-18:00 (America/New_York)"],
    "ionetech": ["Monday–Friday 08:00-18:00; Saturday 09:00-13:00 (Asia/Phnom_Penh)"],
    "cloudops": [
        "Monday–Friday 08:00-17:00 (America/Chicago)",
        "24 hours a day, 7 days a week, including holidays (America/Chicago)",
    ],
}

# The seed's channels, each with the plans that have it ("" = the tenant's only plan / all).
CHANNELS = {
    "bitcraft": {"Email": "all plans", "Portal": "all plans", "Phone": "Premium plan only"},
    "bytez": {"Email": "all plans", "Portal": "all plans", "Phone": "all plans"},
    "ionetech": {"Email": "", "Phone": "", "Live chat": ""},
    "cloudops": {"Email": "all plans"},
}

# Contact details the documents give, and where the page must show them.
CONTACTS = {
    "bitcraft": ["hello@thebitcraft.com"],
    "bytez": ["support@bytez.example"],  # the document's address is hidden on its web page
    "ionetech": ["sales@ionetechsolution.biz", "85596 9899 444"],
    "cloudops": ["support@cloudops.example"],  # likewise
}

EXCLUSIONS = {
    "bitcraft": [
        "Issues arising from modifications made by the client or third parties without prior "
        "approval.",
        "Training and onboarding of new users.",
        "Hardware or infrastructure issues not directly related to the software solution.",
        "Support for deprecated versions of the software beyond the specified end-of-life date.",
    ],
    "bytez": [
        "Extensive training (available through our separate training services)",
        "Development of new features or custom modifications",
        "Support for third-party applications not provided by BytezTech",
        "Issues caused by client infrastructure not meeting specified requirements",
        "Data recovery services (beyond standard backup restoration)",
    ],
    "ionetech": [
        "Third-party software issues.",
        "Customizations beyond standard features.",
        "Hardware-related problems (unless part of our service).",
    ],
    "cloudops": [
        "Issues caused by third-party software or hardware not supported by us.",
        "Issues caused by customer modifications to our software or infrastructure.",
        "Issues caused by unauthorized access to our systems or customer data.",
    ],
}

# Escalation path as the page words it, step by step, and what the demo ladder's level at the
# same position must be: ("role", role) / ("tier", n) / ("account_manager", None).
ESCALATION = {
    "bitcraft": [("designated escalation manager", ("role", Role.MANAGER))],
    "bytez": [
        ("Request escalation within your support ticket", ("role", Role.TEAM_LEAD)),
        ("Contact your assigned Account Manager", ("account_manager", None)),
        ("Request review by the Support Management team", ("role", Role.EXECUTIVE)),
    ],
    "ionetech": [
        ("Tier 1: frontline support", ("tier", 1)),
        ("Tier 2: escalation to specialised technicians", ("tier", 2)),
        ("Tier 3: senior engineers or management", ("tier", 3)),
    ],
    "cloudops": [
        ("Level 1: Support team lead", ("role", Role.TEAM_LEAD)),
        ("Level 2: Department manager", ("role", Role.MANAGER)),
        ("Level 3: Executive management", ("role", Role.EXECUTIVE)),
    ],
}

SEEDS = [spec.slug for spec in DEMO_TENANTS]


@pytest.fixture
def seeded(db):
    """`seeded("bytez")` → the demo tenant as load_demo makes it, its ladder included."""

    def load(slug: str):
        spec = next(s for s in DEMO_TENANTS if s.slug == slug)
        with time_machine.travel(NOW, tick=False):
            tenant = load_demo_tenant(spec)
            load_demo_ladders(tenant=tenant)
        return tenant

    return load


def get_page(client, tenant) -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get("/policy/", HTTP_HOST=f"{tenant.slug}.localhost")
    assert response.status_code == 200
    return response.content.decode()


def plain(fragment: str) -> str:
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()
    return re.sub(r"\s+([:.,;)])", r"\1", text)


def section(page: str, key: str) -> str:
    found = re.search(rf'<section id="{key}">(.*?)</section>', page, re.S)
    assert found, f"no {key} section"
    return found.group(1)


def items(fragment: str, css_class: str) -> list[str]:
    found = re.search(rf'<ul class="{css_class}">(.*?)</ul>', fragment, re.S)
    assert found, f"no ul.{css_class}"
    return [plain(li) for li in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def response_rows(page: str) -> dict[tuple[str, str], str]:
    table = re.search(r'<table class="response-times">(.*?)</table>', page, re.S).group(1)
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [plain(td) for td in re.findall(r"<td>(.*?)</td>", tr, re.S)]
        if cells:
            rows[(cells[0], cells[1])] = cells[2]
    return rows


@pytest.mark.parametrize("slug", SEEDS)
def test_every_seed_promise_appears_on_the_page(client, seeded, slug):
    tenant = seeded(slug)
    page = get_page(client, tenant)
    text = plain(page)

    expected = {
        (plan, priority): f"{duration} ({where})"
        for plan, row in RESPONSE_TIMES[slug].items()
        for priority, (duration, where) in row.items()
    }
    assert response_rows(page) == expected

    for hours in HOURS[slug]:
        assert hours in text, hours

    channels = items(section(page, "channels"), "channels")
    shown = {}
    for line in channels:
        label = line.split(":")[0].split(" (")[0]
        plans = re.search(r"\(([^)]*plans?[^)]*)\)$", line)
        shown[label] = plans.group(1) if plans else ""
    assert shown == CHANNELS[slug]

    for detail in CONTACTS[slug]:
        assert detail in plain(section(page, "channels")), detail
        assert detail in plain(section(page, "contact")), detail

    assert items(section(page, "exclusions"), "exclusions") == EXCLUSIONS[slug]

    process = plain(section(page, "process"))
    for step, _ in ESCALATION[slug]:
        assert step in process, step


def test_cloudops_never_mentions_a_critical_priority(client, seeded):
    tenant = seeded("cloudops")
    page = get_page(client, tenant)
    assert "critical" not in plain(page).lower()
    client_member = Membership.objects.for_tenant(tenant).filter(role=Role.CLIENT).first()
    login_as(client, client_member)
    form = client.get("/tickets/new/").content.decode()
    assert "High" in form
    assert "critical" not in plain(form).lower()


def test_bytez_maintenance_window_is_the_configured_row_and_said_once(client, seeded):
    tenant = seeded("bytez")
    page = get_page(client, tenant)
    window = MaintenanceWindow.objects.for_tenant(tenant).get()
    assert (window.weekdays, window.notice_hours) == ([5, 6], 72)
    assert items(section(page, "availability"), "maintenance") == [
        "Weekend maintenance: Saturday and Sunday, 22:00–04:00 (ending the next day) "
        "America/New_York, announced at least 72 hours ahead. Emergency maintenance may be "
        "performed with shorter notice for critical security updates."
    ]
    assert plain(page).count("72 hours") == 1
    assert "at least 30 days before taking effect" in plain(section(page, "policy_updates"))


@pytest.mark.parametrize("slug", ["bytez", "cloudops"])
def test_holidays_are_listed_once_on_the_observed_day_and_the_clocks_stop_then(
    client, seeded, slug
):
    tenant = seeded(slug)
    page = get_page(client, tenant)
    holidays = items(section(page, "availability"), "holidays")
    assert "Fri 3 Jul 2026 — Independence Day (observed)" in holidays
    assert [h for h in holidays if h.split(" — ")[1].startswith("Independence Day")] == [
        "Fri 3 Jul 2026 — Independence Day (observed)"
    ]
    assert "Fri 19 Jun 2026 — Juneteenth National Independence Day" in holidays
    names = [h.split(" — ", 1)[1].removesuffix(" (observed)") for h in holidays]
    repeated = [n for n, count in Counter(names).items() if count > 1]
    # Within 365 days a holiday comes round once (New Year's Day may close the window twice).
    assert set(repeated) <= {"New Year's Day"}, repeated
    # Every listed day is one on which the business calendar is closed all day.
    calendar = Calendar.objects.for_tenant(tenant).get(always_open=False)
    business = business_calendar_for(calendar)
    for line in holidays:
        day = datetime.strptime(line.split(" — ")[0], "%a %d %b %Y").replace(
            hour=12, tzinfo=business.timezone
        )
        assert not business.is_open(day), line


@pytest.mark.parametrize("slug", SEEDS)
def test_no_paragraph_or_item_is_said_twice_and_silence_is_said_once(client, seeded, slug):
    tenant = seeded(slug)
    page = get_page(client, tenant)
    blocks = [plain(b) for b in re.findall(r"<(?:p|li|dd)[^>]*>(.*?)</(?:p|li|dd)>", page, re.S)]
    blocks = [b for b in blocks if b]
    repeated = [b for b, count in Counter(blocks).items() if count > 1]
    assert repeated == []
    assert plain(page).count("no separate statement") <= 1
    assert "no separate statement on this topic" not in page


@pytest.mark.parametrize("slug", SEEDS)
def test_each_response_time_shown_is_the_target_a_new_tickets_clock_runs_on(
    client, seeded, slug
):
    tenant = seeded(slug)
    rows = response_rows(get_page(client, tenant))
    checked = 0
    for plan in Plan.objects.for_tenant(tenant):
        customer = Customer.objects.for_tenant(tenant).get(plan=plan)
        requester = Membership.objects.for_tenant(tenant).filter(customer=customer).first()
        for priority in Priority.objects.for_tenant(tenant):
            with time_machine.travel(NOW, tick=False):
                ticket = services.ticket_create(
                    tenant=tenant, requester=requester, subject="Check", description="x",
                    priority=priority, at=NOW,
                )  # fmt: skip
            clock = SlaClock.objects.for_tenant(tenant).select_related("target__calendar").get(
                ticket=ticket, metric=Metric.FIRST_RESPONSE
            )
            where = ALWAYS if clock.target.calendar.always_open else BH
            assert rows[(plan.name, priority.label)] == (
                f"{format_duration(clock.target_duration)} ({where})"
            )
            checked += 1
    assert checked == len(rows)


@pytest.mark.parametrize("slug", SEEDS)
def test_the_escalation_path_shown_is_the_demo_ladder(client, seeded, slug):
    tenant = seeded(slug)
    page = get_page(client, tenant)
    process = plain(section(page, "process"))
    ladder = EscalationLadder.objects.for_tenant(tenant).get()
    levels = list(ladder.levels.order_by("position"))
    assert len(levels) == len(ESCALATION[slug])
    for level, (step, (kind, value)) in zip(levels, ESCALATION[slug], strict=True):
        assert step in process
        if kind == "role":
            assert (level.target_kind, level.target_role) == ("role", value), level.name
        elif kind == "tier":
            assert (level.target_kind, level.target_tier) == ("tier", value), level.name
        else:
            assert level.target_kind == "account_manager", level.name


@pytest.mark.parametrize("slug", SEEDS)
def test_the_email_address_shown_is_the_one_inbound_mail_is_routed_by(client, seeded, slug):
    tenant = seeded(slug)
    page = get_page(client, tenant)
    channels = items(section(page, "channels"), "channels")
    email = next(line for line in channels if line.startswith("Email"))
    assert tenant.inbound_email and tenant.inbound_email in email


def test_bitcraft_states_its_email_acknowledgement_as_kept_on_intake(client, seeded):
    page = plain(section(get_page(client, seeded("bitcraft")), "channels"))
    assert "we acknowledge all emails within 24 business hours" in page
    assert "sent automatically when your email arrives" in page


def test_bytez_states_the_automatic_acknowledgement_with_a_tracking_number(client, seeded):
    page = plain(section(get_page(client, seeded("bytez")), "channels"))
    assert "automatic acknowledgement carrying the ticket's tracking number" in page


@pytest.mark.parametrize("slug", SEEDS)
def test_no_knowledge_base_is_promised_unless_an_app_says_there_is_one(
    client, seeded, slug, monkeypatch
):
    tenant = seeded(slug)
    assert "knowledge base articles" not in plain(get_page(client, tenant)).lower()
    assert 'class="knowledge-base"' not in get_page(client, tenant)

    monkeypatch.setattr(policy_page, "_EXTRAS", [])
    policy_page.policy_page_extra_register(
        lambda t: {"knowledge_base": {"url": "/kb/", "articles": 3}} if t == tenant else {}
    )
    training = section(get_page(client, tenant), "training")
    assert 'href="/kb/"' in training and "3 articles" in plain(training)


def test_ionetech_guidance_is_seed_002_per_category_and_priority(client, seeded):
    tenant = seeded("ionetech")
    member = Membership.objects.for_tenant(tenant).filter(role=Role.CLIENT).first()
    login_as(client, member)
    form = client.get("/tickets/new/").content.decode()
    billing = re.search(r'<div class="category-guidance" data-category="billing">(.*?)</div>',
                        form, re.S).group(1)  # fmt: skip
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", billing)
    assert pairs == [
        ("Critical", "Billing errors affecting critical services."),
        ("High", "Urgent billing inquiries."),
        ("Medium", "Non-urgent billing queries."),
        ("Low", "General billing questions."),
    ]
    for key, critical in [
        ("technical", "High-impact issues affecting core functionality or security."),
        ("infrastructure", "Infrastructure failures impacting services."),
        ("security", "Security breaches or compliance violations."),
    ]:
        block = re.search(rf'data-category="{key}">(.*?)</div>', form, re.S).group(1)
        assert f"<dt>Critical</dt><dd>{critical}</dd>" in block
    assert "never Critical" not in form


def test_guidance_lines_for_a_priority_the_tenant_lacks_are_dropped(tenant):
    from tickets.forms import category_guidance
    from tickets.models import Category

    high = Priority.objects.create(tenant=tenant, key="high", label="High", order=0)
    low = Priority.objects.create(tenant=tenant, key="low", label="Low (P4)", order=1)
    category = Category.objects.create(
        tenant=tenant, key="billing", name="Billing",
        guidance="Critical: never shown here.\nHigh: urgent.\nP4: a question.\nAsk us anything.",
    )  # fmt: skip
    shown = category_guidance(category, [high, low])
    assert shown.per_priority == [("High", "urgent."), ("Low (P4)", "a question.")]
    assert shown.general == ["Ask us anything."]


def test_loading_again_repairs_what_an_older_loader_seeded_but_not_a_tenants_edit(tenant):
    from demo.seed_texts import LEGACY_SILENT
    from demo.sla_seeds import load_seed_policy
    from demo.ticket_seeds import load_categories
    from sla.models import PolicySection
    from tickets.models import Category

    tenant.slug = "ionetech"  # load_categories picks the seed by slug
    Category.objects.create(
        tenant=tenant, key="billing", name="Billing & Financial",
        guidance="High: service suspended or a payment blocked. Medium: a wrong invoice. Low: "
        "questions about plans, quotes and receipts. Billing is never Critical.",
    )  # fmt: skip
    Category.objects.create(tenant=tenant, key="security", name="Sec", guidance="Our own.")
    PolicySection.objects.create(tenant=tenant, key="liability", title="L", body=LEGACY_SILENT)
    PolicySection.objects.create(tenant=tenant, key="training", title="T", body="Our own.")
    load_seed_policy(tenant=tenant, seed="ionetech")
    load_categories(tenant=tenant)
    billing = Category.objects.get(tenant=tenant, key="billing")
    assert billing.guidance.startswith("Critical: Billing errors affecting critical services.")
    assert Category.objects.get(tenant=tenant, key="security").guidance == "Our own."
    sections = dict(PolicySection.objects.filter(tenant=tenant).values_list("key", "body"))
    assert sections["liability"] == "" and sections["training"] == "Our own."
