"""Issue #12 item 5: agents close a ticket as out of scope citing one of the tenant's
exclusions (work page and API); the client sees the policy wording that applies."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from sla.exclusions import exclusions
from sla.models import ClockStatus, Exclusion, SlaClock
from tests.conftest import login_as
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Status, Ticket, TicketEvent

WORDING = "Hardware or infrastructure issues not directly related to the software solution."


@pytest.fixture
def hardware(tenant):
    return Exclusion.objects.create(tenant=tenant, title="Hardware", text=WORDING)


def test_the_service_closes_citing_the_exclusion(client_user, agent, hardware):
    tenant = client_user.tenant
    ticket = make_ticket(client_user)
    services.ticket_close_out_of_scope(tenant=tenant, ticket=ticket, exclusion=hardware,
                                       actor=agent, note="Their router.")  # fmt: skip
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.status, row.out_of_scope_id, row.next_due_at) == (Status.CLOSED, hardware.pk, None)
    assert not SlaClock.objects.filter(ticket_id=ticket.pk, status=ClockStatus.RUNNING).exists()
    event = TicketEvent.objects.get(ticket=ticket, kind="out_of_scope")
    assert (event.actor, event.to_value) == (agent, "Hardware")
    assert event.data == {"exclusion_id": hardware.pk, "title": "Hardware", "text": WORDING,
                          "note": "Their router."}  # fmt: skip
    with pytest.raises(ValidationError, match="closed"):
        services.ticket_close_out_of_scope(tenant=tenant, ticket=ticket, exclusion=hardware,
                                           actor=agent)  # fmt: skip


def test_only_staff_cite_only_their_tenants_active_exclusions(
    client_user, agent, hardware, other_tenant
):
    tenant = client_user.tenant
    ticket = make_ticket(client_user)
    theirs = Exclusion.objects.create(tenant=other_tenant, title="Hardware", text="x")
    retired = Exclusion.objects.create(tenant=tenant, title="Old", text="x", is_active=False)
    for exclusion, actor in [(theirs, agent), (retired, agent), (hardware, client_user)]:
        with pytest.raises(ValidationError):
            services.ticket_close_out_of_scope(tenant=tenant, ticket=ticket, exclusion=exclusion,
                                               actor=actor)  # fmt: skip
    assert Ticket.objects.get(pk=ticket.pk).status == ticket.status


def test_the_work_page_closes_and_the_client_sees_the_wording(
    client, client_user, agent, hardware
):
    ticket = make_ticket(client_user)
    login_as(client, agent)
    page = client.get(f"/work/{ticket.reference}/").content.decode()
    assert "Close as out of scope" in page and f'value="{hardware.pk}"' in page
    refused = client.post(f"/work/{ticket.reference}/out-of-scope/", {"exclusion": "999999"})
    assert refused.status_code == 400 and "exclusion" in refused.context["out_of_scope_form"].errors
    done = client.post(f"/work/{ticket.reference}/out-of-scope/",
                       {"exclusion": hardware.pk, "note": "Router", "version": ticket.version})
    assert done.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).out_of_scope_id == hardware.pk
    login_as(client, client_user)
    portal = client.get(f"/tickets/{ticket.reference}/").content.decode()
    assert "Closed as outside our support policy" in portal
    assert WORDING in portal and "Hardware" in portal
    # Another ticket, not out of scope: no such card.
    other = make_ticket(client_user)
    assert "outside our support policy" not in client.get(
        f"/tickets/{other.reference}/").content.decode()  # fmt: skip


def test_the_api_closes_citing_an_exclusion(client, client_user, agent, hardware, other_tenant):
    ticket = make_ticket(client_user)
    url = f"/api/tickets/{ticket.reference}/out-of-scope/"
    theirs = Exclusion.objects.create(tenant=other_tenant, title="Hardware", text="x")

    def post(data, member=agent):
        login_as(client, member)
        return client.post(url, json.dumps(data), content_type="application/json")

    assert post({"exclusion": hardware.pk}, member=client_user).status_code == 404
    for bad in [{"exclusion": theirs.pk}, {"exclusion": "x"}, {}]:
        response = post(bad)
        assert response.status_code == 400 and "exclusion" in response.json()
    stale = post({"exclusion": hardware.pk, "version": ticket.version + 5})
    assert stale.status_code == 409
    response = post({"exclusion": hardware.pk, "note": "n"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "closed"
    assert body["out_of_scope"] == {"id": hardware.pk, "title": "Hardware", "text": WORDING}
    # The client reads the same on their ticket through the API.
    login_as(client, client_user)
    mine = client.get(f"/api/tickets/{ticket.reference}/").json()
    assert mine["out_of_scope"]["text"] == WORDING


@pytest.mark.django_db
def test_the_demo_gives_each_seed_tenant_its_exclusions(settings):
    from tenants.models import Tenant

    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent: nothing doubled
    titles = {t.slug: [e.title for e in exclusions(tenant=t)] for t in Tenant.objects.all()}
    assert titles["bitcraft"] == [
        "Client or third-party modifications", "Training and onboarding",
        "Hardware or infrastructure", "Deprecated versions past end of life",
    ]  # fmt: skip
    assert len(titles["bytez"]) == 5 and len(titles["ionetech"]) == 3
    assert len(titles["cloudops"]) == 3
