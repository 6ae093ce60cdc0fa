"""Email to ticket: senders, the tenant's unknown-sender setting, verdicts, limits,
attachments, bodies; and mail that must never be answered."""

from __future__ import annotations

import base64

import pytest
from django.core import mail

from notifications.inbound.models import InboundEmail, InboundSettings, InboundStatus
from tenants.models import Membership
from tickets.models import Attachment, Ticket

from .conftest import SUPPORT
from .esp import post_mailgun, post_sendgrid
from .mail import raw_email

CLIENT = "client@initech.example"
EVIL_SUBJECT = "Claim your prize at http://evil.example/win"


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def deliver(raw: bytes, *, sender: str = CLIENT, recipient: str = SUPPORT,
                esp=post_sendgrid, **kwargs) -> InboundEmail:
        with django_capture_on_commit_callbacks(execute=True):
            response = esp(client, raw, recipient=recipient, sender=sender, **kwargs)
        assert response.status_code == 200
        return InboundEmail.objects.order_by("-id").first()

    return deliver


def intake_settings(tenant, **fields) -> InboundSettings:
    row, _ = InboundSettings.objects.update_or_create(tenant=tenant, defaults=fields)
    return row


def test_a_known_client_opens_a_ticket_on_the_email_channel_with_the_default_priority(
    acme, deliver, client_user
):
    row = deliver(raw_email(sender=CLIENT, to=SUPPORT, subject="Héllo wörld"))
    ticket = Ticket.objects.get()
    assert row.status == InboundStatus.TICKET_CREATED and row.ticket == ticket
    assert (ticket.channel, ticket.requester, ticket.subject) == ("email", client_user,
                                                                  "Héllo wörld")
    assert ticket.priority.key == "low"  # the least urgent unless the tenant chose one
    assert ticket.first_response_due_at is not None  # the clocks started


def test_the_tenant_default_priority_is_used(acme, deliver):
    from sla.models import Priority

    intake_settings(acme, default_priority=Priority.objects.get(tenant=acme, key="high"))
    deliver(raw_email(sender=CLIENT, to=SUPPORT))
    assert Ticket.objects.get().priority.key == "high"


def test_an_unknown_sender_is_held_by_default_and_not_answered(acme, deliver):
    row = deliver(raw_email(sender="stranger@example.net", to=SUPPORT, subject=EVIL_SUBJECT),
                  sender="stranger@example.net")
    assert row.status == InboundStatus.HELD
    assert not Ticket.objects.exists() and mail.outbox == []


def test_a_refusal_never_echoes_the_sender_and_is_rate_limited(acme, deliver, settings):
    settings.INBOUND_ACK_MAX_PER_RECIPIENT_HOUR = 3
    intake_settings(acme, unknown_sender_action="refuse")
    victim = "victim@example.net"
    for n in range(5):
        raw = raw_email(sender=victim, to=SUPPORT, subject=EVIL_SUBJECT,
                        body=f"Visit http://evil.example/{n}\n")
        assert deliver(raw, sender=victim).status == InboundStatus.REFUSED
    assert len(mail.outbox) == 3  # per recipient per hour
    for sent in mail.outbox:
        text = sent.subject + sent.body + sent.alternatives[0][0]
        assert "evil" not in text.lower() and "prize" not in text.lower()
        assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert not Ticket.objects.exists()


def test_the_tenant_wide_acknowledgement_cap(acme, deliver, settings):
    settings.INBOUND_ACK_MAX_PER_TENANT_HOUR = 2
    intake_settings(acme, unknown_sender_action="refuse")
    for n in range(4):
        deliver(raw_email(sender=f"v{n}@example.net", to=SUPPORT), sender=f"v{n}@example.net")
    assert len(mail.outbox) == 2


def test_catch_all_files_unknown_senders_without_echoing_them(acme, deliver, other_customer):
    intake_settings(acme, unknown_sender_action="catch_all", catch_all_customer=other_customer)
    deliver(raw_email(sender="new@example.net", to=SUPPORT, subject=EVIL_SUBJECT),
            sender="new@example.net")
    ticket = Ticket.objects.get()
    assert ticket.customer == other_customer
    assert ticket.requester.user.email == "new@example.net"
    (ack,) = mail.outbox
    assert f"[{ticket.reference}]" in ack.subject and "evil" not in ack.subject.lower()
    assert "evil" not in ack.body.lower()


def test_a_sender_of_a_customer_domain_becomes_its_contact(acme, deliver, customer):
    deliver(raw_email(sender="Colleague@Initech.example", to=SUPPORT),
            sender="colleague@initech.example")
    ticket = Ticket.objects.get()
    assert ticket.customer == customer
    member = Membership.objects.get(tenant=acme, user__email="colleague@initech.example")
    assert member.role == "client" and member.customer == customer
    assert not member.user.has_usable_password()
    assert len(mail.outbox) == 1 and "Printer" not in mail.outbox[0].subject  # not known before


def test_a_tenant_can_require_known_senders(acme, deliver):
    intake_settings(acme, require_known_senders=True)
    row = deliver(raw_email(sender="colleague@initech.example", to=SUPPORT),
                  sender="colleague@initech.example")
    assert row.status == InboundStatus.HELD and not Ticket.objects.exists()
    deliver(raw_email(sender=CLIENT, to=SUPPORT))
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("esp", "kwargs", "headers"),
    [
        (post_sendgrid, {"spf": "fail"}, {}),
        (post_sendgrid, {"spam_score": "9.5"}, {}),
        (post_mailgun, {}, {"X-Mailgun-Sflag": "Yes"}),
        (post_mailgun, {}, {"Authentication-Results": "mx.example; dmarc=fail header.from=x"}),
    ],
)
def test_failing_esp_verdicts_are_held_not_answered(acme, deliver, esp, kwargs, headers):
    row = deliver(raw_email(sender=CLIENT, to=SUPPORT, headers=headers), esp=esp, **kwargs)
    assert row.status == InboundStatus.HELD and "verdicts" in row.reason
    assert not Ticket.objects.exists() and mail.outbox == []


def test_a_sender_over_the_hourly_limit_is_kept_but_not_filed(acme, deliver, settings):
    settings.INBOUND_SENDER_MAX_PER_HOUR = 2
    statuses = [deliver(raw_email(sender=CLIENT, to=SUPPORT)).status for _ in range(4)]
    assert statuses[:2] == ["ticket_created"] * 2
    assert statuses[2:] == ["rate_limited"] * 2
    assert Ticket.objects.count() == 2


def test_an_oversize_message_is_kept_marked_and_its_sender_told(acme, deliver, settings):
    settings.INBOUND_MAX_BYTES = 500
    raw = raw_email(sender=CLIENT, to=SUPPORT, body="x" * 2000)
    row = deliver(raw)
    assert row.status == InboundStatus.OVERSIZE and bytes(row.raw_mime) == raw
    assert not Ticket.objects.exists()
    (told,) = mail.outbox
    assert told.to == [CLIENT] and "too large" in told.subject


def test_mail_from_a_staff_address_is_held(acme, deliver, agent):
    row = deliver(raw_email(sender=agent.user.email, to=SUPPORT), sender=agent.user.email)
    assert row.status == InboundStatus.HELD and not Ticket.objects.exists()


AUTO_HEADERS = [
    {"Auto-Submitted": "auto-replied"},
    {"Auto-Submitted": "auto-generated"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"X-Autoreply": "yes"},
    {"X-Auto-Response-Suppress": "All"},
    {"List-Id": "<users.lists.example.org>"},
    {"Return-Path": "<>"},
]


@pytest.mark.parametrize("headers", AUTO_HEADERS)
@pytest.mark.parametrize("esp", [post_sendgrid, post_mailgun])
def test_automatic_mail_never_makes_a_ticket_nor_an_answer(acme, deliver, headers, esp):
    row = deliver(raw_email(sender=CLIENT, to=SUPPORT, headers=headers), esp=esp)
    assert row.status == InboundStatus.IGNORED
    assert not Ticket.objects.exists() and mail.outbox == []


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.org", "postmaster@example.org"])
def test_bounces_from_daemons_are_ignored(acme, deliver, sender):
    row = deliver(raw_email(sender=sender, to=SUPPORT), sender=sender)
    assert row.status == InboundStatus.IGNORED and mail.outbox == []


def test_an_empty_envelope_sender_is_a_bounce(acme, deliver):
    row = deliver(raw_email(sender=CLIENT, to=SUPPORT), sender="")
    assert row.status == InboundStatus.IGNORED and mail.outbox == []


def test_our_own_acknowledgement_coming_back_is_ignored(acme, deliver):
    deliver(raw_email(sender=CLIENT, to=SUPPORT))
    (ack,) = mail.outbox
    looped = raw_email(sender=CLIENT, to=SUPPORT, message_id=ack.extra_headers["Message-ID"])
    assert deliver(looped).status == InboundStatus.IGNORED
    assert len(mail.outbox) == 1 and Ticket.objects.count() == 1


def _multipart_with_attachments() -> bytes:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).decode()
    pdf = base64.b64encode(b"%PDF-1.4 test").decode()
    exe = base64.b64encode(b"MZ evil").decode()
    return (
        "From: Client <client@initech.example>\r\n"
        "To: help@acme.example\r\nSubject: With files\r\n"
        "Message-ID: <files-1@initech.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        '--b1\r\nContent-Type: multipart/related; boundary="b2"\r\n\r\n'
        '--b2\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n'
        '<p>See <img src="cid:img1"> <script>alert(1)</script>attached</p>\r\n'
        "--b2\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\n"
        f"Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n{png}\r\n"
        "--b2--\r\n"
        '--b1\r\nContent-Type: application/pdf; name="../../etc/report.pdf"\r\n'
        'Content-Disposition: attachment; filename="..\\\\..\\\\etc\\\\report.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n"
        '--b1\r\nContent-Type: application/x-msdownload; name="run.exe"\r\n'
        'Content-Disposition: attachment; filename="run.exe"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{exe}\r\n"
        "--b1--\r\n"
    ).encode()


@pytest.mark.parametrize("esp", [post_sendgrid, post_mailgun])
def test_attachments_and_inline_images_follow_the_attachment_rules(acme, deliver, esp):
    row = deliver(_multipart_with_attachments(), esp=esp)
    ticket = Ticket.objects.get()
    files = {a.filename: a for a in Attachment.objects.filter(ticket=ticket)}
    assert set(files) == {"attachment-4.png", "report.pdf"}  # the .exe is refused
    assert "run.exe" in row.error
    for attachment in files.values():
        assert ".." not in attachment.file.name and "\\" not in attachment.file.name
    assert "<script>" not in ticket.description and "alert" not in ticket.description
    assert "attached" in ticket.description


def test_the_email_ticket_is_the_requesters_in_the_portal_and_the_api(
    acme, deliver, client, client_user
):
    from tests.conftest import login_as

    deliver(raw_email(sender=CLIENT, to=SUPPORT, subject="Seen in the portal"))
    ticket = Ticket.objects.get()
    login_as(client, client_user)
    assert ticket.reference.encode() in client.get("/api/tickets/").content
    assert client.get(f"/tickets/{ticket.reference}/").status_code == 200



def test_mail_the_services_refuse_is_kept_as_failed_not_requeued(acme, deliver, client_user):
    # A deactivated client writing from their customer's domain: the contact cannot be
    # (re)made, so the whole attempt rolls back and the mail waits on the problems page.
    client_user.is_active = False
    client_user.save()
    row = deliver(raw_email(sender=CLIENT, to=SUPPORT))
    assert row.status == InboundStatus.FAILED and row.error
    assert row.ticket is None and row.processed_at is not None
    assert not Ticket.objects.exists() and mail.outbox == []


def test_a_known_client_is_found_whatever_the_case_of_either_address(acme, deliver, client_user):
    deliver(raw_email(sender="Client@INITECH.example", to=SUPPORT))  # found by the index
    client_user.user.email = "CLIENT@initech.example"  # stored otherwise (edited by hand)
    client_user.user.save()
    deliver(raw_email(sender=CLIENT, to=SUPPORT))  # found by the case-blind fallback
    tickets = Ticket.objects.order_by("id")
    assert [t.requester for t in tickets] == [client_user, client_user]
    assert Membership.objects.filter(tenant=acme, user__email__iexact=CLIENT).count() == 1
