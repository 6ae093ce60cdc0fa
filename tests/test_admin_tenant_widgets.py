"""Every admin foreign-key widget sees only the host tenant's rows (issue #8 item 1).

For each path a widget or lookup can take — raw-id label, select choices, a posted key,
`?field=<id>` prefill, list filters, changelist lookups, `/admin/autocomplete/`, the user admin
and the `/admin/r/<ct>/<id>/` shortcut — another tenant's row (or a user who is not a member)
answers exactly like an id that does not exist.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from tenants.models import Customer, Membership, User
from tenants.roles import Role
from tests.conftest import login_as
from tests.factories import CustomerFactory, MembershipFactory, PlanFactory

pytestmark = pytest.mark.django_db

MISSING = 987654321
CSRF = re.compile(rb'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')


def _page(client, url: str):
    """Status and body, without what differs on every request (CSRF tokens) and without the
    id itself (a 404 page may echo the path)."""
    response = client.get(url)
    ids = re.findall(r"\d+", url)
    body = CSRF.sub(b"", response.content)
    for value in ids[-1:]:
        body = body.replace(value.encode(), b"ID")
    return response.status_code, body


def _like_missing(client, url_with_foreign: str, url_with_missing: str) -> None:
    with time_machine.travel("2026-03-02 12:00Z", tick=False):  # "now" prefills date fields
        foreign, missing = _page(client, url_with_foreign), _page(client, url_with_missing)
    assert foreign[0] == missing[0]
    assert foreign[1] == missing[1], _diff(foreign[1], missing[1])


def _diff(a: bytes, b: bytes) -> str:
    import difflib

    lines = difflib.unified_diff(a.decode().splitlines(), b.decode().splitlines(), lineterm="")
    return "\n".join(list(lines)[:40])


@pytest.fixture
def foreign(other_tenant):
    """Another tenant's people and rows, with names that must never show."""
    member = MembershipFactory(
        tenant=other_tenant, role=Role.AGENT, user__email="secret.agent@globex.example",
        user__full_name="Sigrid Secretname",
    )  # fmt: skip
    plan = PlanFactory(tenant=other_tenant, name="Globex Platinum")
    customer = CustomerFactory(tenant=other_tenant, name="Hooli Hidden", plan=plan)
    return {"membership": member, "user": member.user, "plan": plan, "customer": customer}


@pytest.fixture
def admin_client(client, tenant_admin):
    login_as(client, tenant_admin)
    return client


def test_membership_add_prefill_of_another_tenants_user_says_nothing(admin_client, foreign):
    url = "/admin/tenants/membership/add/?user={}"
    body = admin_client.get(url.format(foreign["user"].pk)).content
    assert b"Sigrid" not in body and b"secret.agent" not in body
    _like_missing(admin_client, url.format(foreign["user"].pk), url.format(MISSING))


def test_raw_id_label_shows_own_members_only(admin_client, tenant, agent, foreign):
    url = "/admin/tenants/customer/add/?primary_contact={}"
    own = admin_client.get(url.format(agent.pk)).content
    assert agent.user.email.encode() in own  # the widget labels this tenant's row
    body = admin_client.get(url.format(foreign["membership"].pk)).content
    assert b"secret.agent" not in body
    _like_missing(admin_client, url.format(foreign["membership"].pk), url.format(MISSING))


def test_select_choices_and_list_filters_list_own_rows_only(admin_client, tenant, customer,
                                                             agent, foreign):  # fmt: skip
    change = admin_client.get(f"/admin/tenants/membership/{agent.pk}/change/").content
    assert customer.name.encode() in change and b"Hooli Hidden" not in change
    changelist = admin_client.get("/admin/tenants/membership/").content
    assert customer.name.encode() in changelist  # the customer list filter
    assert b"Hooli Hidden" not in changelist
    customers = admin_client.get("/admin/tenants/customer/").content  # the plan list filter
    assert b"Globex Platinum" not in customers


def test_posting_another_tenants_key_is_refused_like_a_missing_one(admin_client, tenant, agent,
                                                                   foreign):  # fmt: skip
    customer = CustomerFactory(tenant=tenant, name="Initrode")
    url = f"/admin/tenants/customer/{customer.pk}/change/"
    data = {"name": "Initrode", "plan": customer.plan_id, "email_domains": ""}
    answers = []
    for key in (foreign["membership"].pk, MISSING):
        response = admin_client.post(url, {**data, "primary_contact": key})
        answers.append((response.status_code, b"Select a valid choice" in response.content))
    assert answers[0] == answers[1] == (200, True)
    customer.refresh_from_db()
    assert customer.primary_contact_id is None


def test_changelist_lookups_stay_in_the_tenant(admin_client, agent, foreign):
    url = "/admin/tenants/membership/?user__id__exact={}"
    _like_missing(admin_client, url.format(foreign["user"].pk), url.format(MISSING))
    # A lookup that walks from a user into their other memberships would tell who belongs
    # where: refused (400), whatever the value.
    response = admin_client.get(
        f"/admin/tenants/membership/?user__memberships__tenant__slug={foreign['plan'].tenant.slug}"
    )
    assert response.status_code == 400


def test_autocomplete_offers_own_rows_only(admin_client, tenant, foreign):
    PlanFactory(tenant=tenant, name="Acme Gold")
    params = {"app_label": "tenants", "model_name": "customer", "field_name": "plan", "term": ""}
    response = admin_client.get("/admin/autocomplete/", params)
    assert response.status_code == 200
    names = [r["text"] for r in response.json()["results"]]
    assert "Acme Gold" in names and "Globex Platinum" not in names
    hit = admin_client.get("/admin/autocomplete/", {**params, "term": "Platinum"}).json()
    assert hit["results"] == []


def test_user_admin_shows_only_members(admin_client, agent, foreign):
    listing = admin_client.get("/admin/tenants/user/").content
    assert agent.user.email.encode() in listing and b"secret.agent" not in listing
    url = "/admin/tenants/user/{}/change/"
    assert admin_client.get(url.format(agent.user.pk)).status_code == 200
    _like_missing(admin_client, url.format(foreign["user"].pk), url.format(MISSING))
    assert admin_client.get(url.format(foreign["user"].pk)).status_code == 404
    popup = admin_client.get("/admin/tenants/user/?_to_field=id&_popup=1").content
    assert b"secret.agent" not in popup


def test_view_on_site_shortcut_treats_foreign_rows_as_missing(admin_client, agent, foreign):
    for model, other in (
        (User, foreign["user"].pk),
        (Customer, foreign["customer"].pk),
        (Membership, foreign["membership"].pk),
    ):
        ct = ContentType.objects.get_for_model(model).pk
        _like_missing(admin_client, f"/admin/r/{ct}/{other}/", f"/admin/r/{ct}/{MISSING}/")
        assert admin_client.get(f"/admin/r/{ct}/{other}/").status_code == 404


def test_a_user_is_attached_only_by_accepting_an_invitation(admin_client, tenant, foreign):
    """Adding another tenant's user by address sends an invitation; nothing is attached."""
    response = admin_client.post("/admin/tenants/membership/add/", {
        "email": foreign["user"].email, "role": Role.AGENT, "tier": "1", "customer": "",
    })  # fmt: skip
    assert response.status_code == 302
    assert not Membership.objects.for_tenant(tenant).filter(user=foreign["user"]).exists()
    from tenants.models import Invitation

    invitation = Invitation.objects.for_tenant(tenant).get(email=foreign["user"].email)
    assert invitation.accepted_at is None and invitation.role == Role.AGENT
