"""Found by an adversarial re-check of the email issue: mail about a ticket whose requester
never proved their address, the sandbox of tenant-written templates, attachment names and
look-alike addresses."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import get_template
from django.test import Client

from notifications.outbound import services as outbound
from notifications.outbound.email_templates import EVENTS, email_render
from notifications.outbound.models import EmailTemplateOverride
from tenants import services as tenant_services
from tests.factories import UserFactory
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Attachment, Status, Ticket

SPAM = "Claim your prize at http://evil.example/win"


@pytest.fixture(autouse=True)
def anymail_test_backend(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.INBOUND_DOMAIN = "in.helpdesk.test"


def texts(email) -> str:
    return email.subject + email.body + "".join(a[0] for a in email.alternatives)


# --- Relay: a requester made from an unverified From address ------------------------------------


@pytest.fixture
def forged_requester(tenant, customer):
    """What the email intake makes of a forged From at a customer's domain: a passwordless
    contact who never showed they read mail at the address."""
    return tenant_services.client_contact_create(
        tenant=tenant, customer=customer, email="victim@initech.example"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [Status.PENDING_CUSTOMER, Status.RESOLVED, Status.CLOSED])
def test_status_mail_never_echoes_the_subject_to_an_unproven_requester(
    tenant, forged_requester, agent, status
):
    ticket = make_ticket(forged_requester, subject=SPAM, channel="email")
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=status, actor=agent)
    (email,) = mail.outbox
    assert email.to == ["victim@initech.example"]
    assert ticket.reference in email.subject
    assert "evil" not in texts(email).lower() and "prize" not in texts(email).lower()


@pytest.mark.django_db(transaction=True)
def test_an_agent_reply_to_an_unproven_requester_does_not_echo_the_subject(
    tenant, forged_requester, agent
):
    ticket = make_ticket(forged_requester, subject=SPAM, channel="email")
    services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="Who are you?")
    (email,) = mail.outbox
    assert "Who are you?" in email.body
    assert "evil" not in texts(email).lower()


@pytest.mark.django_db(transaction=True)
def test_a_tenant_override_cannot_echo_the_subject_to_an_unproven_requester(
    tenant, forged_requester, agent
):
    outbound.template_override_save(
        tenant=tenant, event="ticket_status", subject="{{ subject }} is {{ status_label }}",
        text="About {{ subject }}", html="<p>{{ subject }}</p>",
    )  # fmt: skip
    ticket = make_ticket(forged_requester, subject=SPAM, channel="email")
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.RESOLVED, actor=agent)
    (email,) = mail.outbox
    assert "evil" not in texts(email).lower()
    assert email.subject.startswith(f"[{ticket.reference}]")


@pytest.mark.django_db(transaction=True)
def test_a_requester_who_signed_in_sees_their_subject(tenant, forged_requester, agent):
    from tests.conftest import host

    tenant_services.user_password_set(user=forged_requester.user, password="pw-Secret-123x")
    ticket = make_ticket(forged_requester, subject="VPN down", channel="email")
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.PENDING_CUSTOMER,
                               actor=agent)  # fmt: skip
    assert "VPN down" not in mail.outbox[0].subject  # a password alone: not yet signed in here
    client = Client(HTTP_HOST=host(tenant))
    signed_in = client.post(
        "/accounts/login/", {"username": "victim@initech.example", "password": "pw-Secret-123x"}
    )
    assert signed_in.status_code == 302
    ticket = Ticket.objects.get(pk=ticket.pk)  # (as the next request loads it)
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.RESOLVED, actor=agent)
    assert mail.outbox[1].subject == f"[{ticket.reference}] Resolved: VPN down"


@pytest.mark.django_db(transaction=True)
def test_a_user_of_another_tenant_forged_here_is_not_known_here(
    tenant, other_tenant, customer, agent
):
    """victim@ has a password (a member of another tenant), so the address is real; but a
    contact made here from a forged From is not them until they sign in here."""
    from tests.factories import CustomerFactory, client_membership

    client_membership(other_tenant, CustomerFactory(tenant=other_tenant),
                      user__email="victim@initech.example")  # fmt: skip
    contact = tenant_services.client_contact_create(
        tenant=tenant, customer=customer, email="victim@initech.example"
    )
    assert contact.user.address_proven and not contact.address_proven
    ticket = make_ticket(contact, subject=SPAM, channel="email")
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.RESOLVED, actor=agent)
    assert "evil" not in texts(mail.outbox[0]).lower()


@pytest.mark.django_db(transaction=True)
def test_a_known_client_still_sees_their_subject(tenant, client_user, agent):
    ticket = make_ticket(client_user, subject="VPN down")
    mail.outbox.clear()
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.RESOLVED, actor=agent)
    assert mail.outbox[0].subject == f"[{ticket.reference}] Resolved: VPN down"


# --- The sandbox of tenant-written templates ----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "source"),
    [
        # escaping turned off in the HTML part: a requester's subject would be raw HTML
        ("html", "<p>{{ subject|safe }}</p>"),
        ("html", "{% autoescape off %}<p>{{ subject }}</p>{% endautoescape %}"),
        ("html", "<p>{% filter safe %}{{ subject }}{% endfilter %}</p>"),
        # memory and CPU: one render of these is gigabytes or billions of steps
        ("text", '{{ tenant_name|ljust:"200000000" }}'),
        ("text", '{{ tenant_name|center:"200000000" }}'),
        ("text", '{{ reference|stringformat:"200000000s" }}'),
        ("text", "{% lorem 200000000 w %}"),
        ("text", '{% filter rjust:"200000000" %}x{% endfilter %}'),
        (
            "subject",
            "{% for a in subject %}{% for b in subject %}{% for c in subject %}"
            "{% for d in subject %}.{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
        ),
        # the site's URL map and other tags with no business in an email text
        ("text", '{% url "admin:index" %}'),
        ("text", "{% now 'Y' %}{% csrf_token %}"),
    ],
)
@pytest.mark.django_db
def test_a_template_outside_the_sandbox_is_refused(tenant, field, source):
    values = {"subject": "We got {{ reference }}", "text": "Thanks", "html": ""}
    values[field] = source
    with pytest.raises(ValidationError) as refused:
        outbound.template_override_save(tenant=tenant, event="ticket_created", **values)
    assert field in refused.value.message_dict
    assert not EmailTemplateOverride.objects.exists()


@pytest.mark.django_db
def test_an_unsafe_override_already_stored_is_not_used(tenant):
    EmailTemplateOverride.objects.create(
        tenant=tenant, event="ticket_created", subject="x", text="x",
        html="{% autoescape off %}{{ subject }}{% endautoescape %}",
    )  # fmt: skip
    rendered = email_render(tenant=tenant, event="ticket_created", context={
        "reference": "ACME-9", "subject": "<script>x</script>", "tenant_name": "Acme",
        "recipient_known": True,
    })  # fmt: skip
    assert "<script>" not in rendered.body_html


@pytest.mark.parametrize("event", sorted(EVENTS))
@pytest.mark.django_db
def test_the_shipped_texts_saved_unchanged_are_accepted(tenant, event):
    """The edit page starts from the files: saving them as they are must work."""

    def source(part: str) -> str:
        return get_template(f"notifications/email/{event}{part}").template.source

    outbound.template_override_save(
        tenant=tenant, event=event, subject=source("_subject.txt"), text=source(".txt"),
        html=source(".html"),
    )  # fmt: skip
    assert EmailTemplateOverride.objects.filter(event=event).exists()


@pytest.mark.django_db
def test_the_filters_a_tenant_needs_still_work(tenant):
    outbound.template_override_save(
        tenant=tenant, event="ticket_created",
        subject="{{ subject|truncatechars:20|upper }}",
        text="{{ tenant_name|default:'us' }} "
             "{% if recipient_known %}{{ subject|lower }}{% endif %}",
        html="<p>{{ subject|linebreaksbr }}</p>",
    )  # fmt: skip
    rendered = email_render(tenant=tenant, event="ticket_created", context={
        "reference": "ACME-9", "subject": "Printer <on> fire", "tenant_name": "",
        "recipient_known": True,
    })  # fmt: skip
    assert rendered.subject == "[ACME-9] PRINTER <ON> FIRE"
    assert rendered.body == "us printer <on> fire"
    assert rendered.body_html == "<p>Printer &lt;on&gt; fire</p>"


# --- Attachment names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # RIGHT-TO-LEFT OVERRIDE: "invoiceexe.pdf"
        ("a\u2066b\u2069c\u200f.pdf", "abc.pdf"),  # isolates and marks
        ("x\u200by\ufeff.pdf", "xy.pdf"),  # zero-width space, BOM
        ("tab\there\x00.pdf", "tabhere.pdf"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_attachment_names_lose_invisible_and_direction_characters(client_user, uploaded, shown):
    ticket = make_ticket(client_user, attachments=[
        SimpleUploadedFile(uploaded, b"%PDF-1.4", content_type="application/pdf")
    ])  # fmt: skip
    (attachment,) = Attachment.objects.filter(ticket=ticket)
    assert attachment.filename == shown
    assert attachment.file.name.endswith(shown[shown.rindex(".") :])  # stored under the shown type


# --- Look-alike addresses -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_contact_for_a_look_alike_address_is_not_the_user_it_case_folds_to(tenant, customer):
    """PostgreSQL's UPPER('ı') is 'I': an iexact match takes pat@maıl.example (dotless i, a
    domain anyone can register) for pat@mail.example."""
    pat = UserFactory(email="pat@mail.example")
    member = tenant_services.client_contact_create(
        tenant=tenant, customer=customer, email="pat@ma\u0131l.example"
    )
    assert member.user != pat
    assert member.user.email == "pat@ma\u0131l.example"


@pytest.mark.django_db
def test_a_contact_for_the_same_address_in_another_case_is_the_same_user(tenant, customer):
    pat = UserFactory(email="pat@mail.example")
    member = tenant_services.client_contact_create(
        tenant=tenant, customer=customer, email="Pat@MAIL.example"
    )
    assert member.user == pat


# --- Suppression by look-alike ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_look_alike_addresss_suppression_does_not_silence_the_real_address(tenant):
    """A complaint from pat@maıl.example (dotless i, the attacker's own domain) must not stop
    the tenant's mail to pat@mail.example: PostgreSQL's UPPER('ı') is 'I'."""
    from notifications.outbound.models import Delivery, DeliveryStatus, Suppression

    Suppression.objects.create(tenant=tenant, email="pat@ma\u0131l.example", reason="complained")
    outbound.notification_send(
        tenant=tenant, recipients=["Pat@Mail.example"], kind="email_test", subject="[ACME-1] Hi",
        body="Body",
    )  # fmt: skip
    assert Delivery.objects.get(transport="email").status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    Suppression.objects.create(tenant=tenant, email="pat@mail.example", reason="bounced")
    outbound.notification_send(
        tenant=tenant, recipients=["Pat@Mail.example"], kind="email_test", subject="[ACME-1] 2",
        body="Body",
    )  # fmt: skip
    assert Delivery.objects.latest("id").status == DeliveryStatus.SUPPRESSED
