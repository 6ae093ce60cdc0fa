"""A client the email intake made (a contact without a password) reaches the portal the
way the acknowledgement says: "follow it online" -> reset the password -> sign in."""

import re

from django.core import mail

from tenants import services
from tests.tickets.factories import make_ticket


def test_a_contact_made_by_email_can_set_a_password_and_see_their_ticket(
    tenant_client, tenant, customer
):
    contact = services.client_contact_create(
        tenant=tenant, customer=customer, email="new@initech.example"
    )
    ticket = make_ticket(contact, channel="email")
    assert not contact.address_proven
    response = tenant_client.post("/accounts/password/reset/", {"email": "new@initech.example"})
    assert response.status_code == 302
    (reset,) = [m for m in mail.outbox if "password" in m.subject.lower()]
    assert reset.to == ["new@initech.example"]
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", reset.body)
    confirm = tenant_client.get(link.group(0), follow=True)
    done = tenant_client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": "A-much-better-pw-42", "new_password2": "A-much-better-pw-42"},
    )
    assert done.status_code == 302
    signed_in = tenant_client.post(
        "/accounts/login/", {"username": "new@initech.example", "password": "A-much-better-pw-42"}
    )
    assert signed_in.status_code == 302
    contact.refresh_from_db()
    assert contact.address_proven
    assert ticket.reference in tenant_client.get(f"/tickets/{ticket.reference}/").content.decode()
