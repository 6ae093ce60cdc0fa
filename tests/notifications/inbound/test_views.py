"""The inbound problems page (tenant admins) and the stored original (staff)."""

from __future__ import annotations

from django.core import mail

from notifications.inbound.models import InboundEmail, InboundStatus
from tests.conftest import login_as
from tickets.models import Ticket

from .conftest import SUPPORT
from .esp import post_sendgrid
from .mail import raw_email


def held(client, django_capture_on_commit_callbacks, sender="stranger@example.net"):
    with django_capture_on_commit_callbacks(execute=True):
        post_sendgrid(client, raw_email(sender=sender, to=SUPPORT, subject="<b>Need help</b>"),
                      recipient=SUPPORT, sender=sender)
    return InboundEmail.objects.get()


def test_a_tenant_admin_sees_held_mail_and_releases_it(
    acme, client, tenant_admin, other_customer, django_capture_on_commit_callbacks
):
    from notifications.inbound.models import InboundSettings

    row = held(client, django_capture_on_commit_callbacks)
    assert row.status == InboundStatus.HELD
    InboundSettings.objects.create(tenant=acme, catch_all_customer=other_customer)
    login_as(client, tenant_admin)
    page = client.get("/settings/inbound/")
    assert page.status_code == 200
    assert b"stranger@example.net" in page.content
    assert b"<b>Need help</b>" not in page.content  # escaped
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/settings/inbound/{row.pk}/retry/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == InboundStatus.TICKET_CREATED
    assert Ticket.objects.get().customer == other_customer
    assert len(mail.outbox) == 1 and "Need help" not in mail.outbox[0].subject
    assert b"stranger@example.net" not in client.get("/settings/inbound/").content


def test_discard_takes_it_off_the_list(acme, client, tenant_admin,
                                       django_capture_on_commit_callbacks):
    row = held(client, django_capture_on_commit_callbacks)
    login_as(client, tenant_admin)
    assert client.post(f"/settings/inbound/{row.pk}/discard/").status_code == 302
    row.refresh_from_db()
    assert row.status == InboundStatus.DISCARDED
    assert client.post(f"/settings/inbound/{row.pk}/discard/").status_code == 404


def test_an_unparseable_message_is_kept_and_shown(acme, client, tenant_admin,
                                                  django_capture_on_commit_callbacks):
    row = held(client, django_capture_on_commit_callbacks)
    InboundEmail.objects.filter(pk=row.pk).update(status=InboundStatus.FAILED,
                                                  reason="The message could not be parsed.")
    login_as(client, tenant_admin)
    assert b"could not be parsed" in client.get("/settings/inbound/").content


def test_the_original_is_one_click_away_for_staff_only(
    acme, client, agent, client_user, django_capture_on_commit_callbacks
):
    row = held(client, django_capture_on_commit_callbacks)
    login_as(client, agent)
    page = client.get(f"/settings/inbound/{row.pk}/raw/")
    assert page.status_code == 200
    assert b"Subject: &lt;b&gt;Need help&lt;/b&gt;" in page.content
    assert client.get("/settings/inbound/").status_code == 404  # agents: no settings
    login_as(client, client_user)
    assert client.get(f"/settings/inbound/{row.pk}/raw/").status_code == 404


def test_another_tenants_admin_gets_404(acme, client, outsider,
                                        django_capture_on_commit_callbacks):
    row = held(client, django_capture_on_commit_callbacks)
    login_as(client, outsider)
    assert client.get(f"/settings/inbound/{row.pk}/raw/").status_code == 404
    assert client.post(f"/settings/inbound/{row.pk}/retry/").status_code == 404
    assert client.post(f"/settings/inbound/{row.pk}/discard/").status_code == 404
    assert b"stranger@example.net" not in client.get("/settings/inbound/").content


def test_a_tickets_originals_are_listed_for_staff(
    acme, client, agent, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_sendgrid(client, raw_email(sender="client@initech.example", to=SUPPORT),
                      recipient=SUPPORT, sender="client@initech.example")
    row = InboundEmail.objects.get()
    reference = row.ticket.reference
    login_as(client, agent)
    page = client.get(f"/settings/inbound/ticket/{reference}/")
    assert page.status_code == 200
    assert f"/settings/inbound/{row.pk}/raw/".encode() in page.content
    assert client.get("/settings/inbound/ticket/ACM-999999/").status_code == 404
    login_as(client, outsider)
    assert client.get(f"/settings/inbound/ticket/{reference}/").status_code == 404
