"""Every raw message under messages/, through SendGrid's and Mailgun's real inbound formats:
no 500, nothing lost (the exact bytes stored), and the expected outcome of each.

Unknown senders go to a catch-all customer here, so a message's own From address opens a
ticket when it is ordinary mail; automatic mail (bounces, auto-replies, lists, reports)
never does.
"""

from __future__ import annotations

import pathlib

import pytest
from django.core import mail

from notifications.inbound.models import InboundEmail, InboundSettings
from notifications.inbound.parsing import email_parse
from tickets.models import Attachment, Ticket

from .conftest import SUPPORT
from .esp import ESPS

DIR = pathlib.Path(__file__).parent / "messages"
T, IGN = "ticket_created", "ignored"

# file: (status, in the subject, in the shown body, attachments kept)
EXPECTED: dict[str, tuple[str, str, str, int]] = {
    "cpython__msg_02.txt": (IGN, "", "", 0),  # Mailman digest
    "cpython__msg_06.txt": (T, "forwarded message from Barry", "(no text)", 0),
    "cpython__msg_10.txt": (T, "Lyrics", "This is a 7bit encoded message.", 0),
    "cpython__msg_15.txt": (T, "XX", "Some removed test.", 1),  # reused outer boundary
    "cpython__msg_35.txt": (T, "here's something interesting", "no separating newline", 0),
    "cpython__msg_44.txt": (T, "a simple multipart", "(attachments only)", 2),  # same name x2
    "cpython__msg_48.txt": (T, "test", "This is the signed contents.", 0),  # PGP, long IRT
    "django-anymail__sample_email.txt": (IGN, "", "", 0),  # List-Unsubscribe
    "django-helpdesk__all-special-chars.eml": (T, "Testovácí email", "íářčšáíéřášč", 0),
    "django-helpdesk__blank-body-with-attachment.eml": (T, "Attachment without body",
                                                        "(attachments only)", 1),
    "django-helpdesk__forwarded-message.eml": (T, "original message from GitHub",
                                               "This is email body", 0),
    "django-helpdesk__quoted_printable.eml": (T, "Český test", "českých písmen", 0),
    "django-helpdesk__utf-nondecodable.eml": (T, "Cyklozaměstnavatel", "Forwarded Message", 0),
    "flanker__8bitmime.eml": (T, "2 RCPT MIME", "Превел", 0),
    "flanker__bilingual-simple.eml": (T, "Как ты поживаешь", "А эта линия по-русски.", 0),
    "flanker__bounce__gmail-invalid-address.eml": (IGN, "", "", 0),
    "flanker__bounce__office365.eml": (IGN, "", "", 0),
    "flanker__complaints__aol.eml": (IGN, "", "", 0),  # ARF abuse report
    "flanker__disposition-notification.eml": (IGN, "", "", 0),  # read receipt
    "flanker__iphone.eml": (T, "Subject", "Hello", 1),
    "flanker__long-header.eml": (T, "Die heiße Zypernsonne quälte Max", "test", 0),
    "flanker__mailformed-headers.eml": (T, "!", "(no text)", 0),
    "flanker__missing-boundaries.eml": (T, "(no subject)", "Hi This is a broken message", 0),
    "flanker__missing-final-boundary.eml": (T, "Test", "Some body", 0),
    "flanker__spam__broken-headers.eml": (T, "Forget Asking For A Link Exchange…",
                                          "Do you really know", 0),
    "mail-parser__mail_test_14": (T, "Test", "Plaintext here.", 1),  # html, inline png, text
    "mail-parser__mail_test_18": (T, "Comma and Name Bugs", "This is a test email body.", 0),
    "mail-parser__mail_test_6": (IGN, "", "", 0),  # newsletter (List-Id)
    "mail__attachment_emails__attachment_message_rfc822_inline_image.eml": (
        T, "test", "(attachments only)", 2),
    "mail__attachment_emails__attachment_nonascii_filename.eml": (T, "testing",
                                                                  "This is the first part.", 1),
    "mail__error_emails__bad_encoded_subject.eml": (IGN, "", "", 0),  # no From at all
    "mail__multi_charset__japanese_iso_2022.eml": (T, "まみむめも", "すみません。", 0),
    "mail__multi_charset__japanese_shift_jis.eml": (T, "test", "テスト用のメールです", 0),
    "mail__multi_charset__ks_c_5601-1987.eml": (T, "test", "스티해", 0),
    "mail__rfc6532__utf8_headers.eml": (T, "Säying Hello", "body", 0),
    "php-mime-mail-parser__failure.eml": (IGN, "", "", 0),  # Exchange NDR, gb2312
    "php-mime-mail-parser__issue149": (T, "Invoice 02722027", "(attachments only)", 1),
    "php-mime-mail-parser__issue212": (IGN, "", "", 0),  # Polish auto-reply without From
    "sisimai__bsd__lhost-outlook-01.eml": (IGN, "", "", 0),  # UTF-7 DSN
    "sisimai__bsd__lhost-postfix-01.eml": (IGN, "", "", 0),
    "sisimai__bsd__rfc3834-01.eml": (IGN, "", "", 0),
    "sisimai__bsd__rfc3834-02.eml": (IGN, "", "", 0),
    "sisimai__bsd__rfc3834-03.eml": (IGN, "", "", 0),  # iCloud vacation, no Auto-Submitted
    "sisimai__bsd__rfc3834-06.eml": (IGN, "", "", 0),
    "sisimai__mac__lhost-postfix-01.eml": (IGN, "", "", 0),  # CR-only line endings
    "talon__standard_replies__apple_mail.eml": (T, "Re: Test", "Hello", 0),
    "talon__standard_replies__gmail.eml": (T, "Re: Test", "Hello", 0),
    "talon__standard_replies__iphone.eml": (T, "Re: Test", "Hello", 0),
    "talon__standard_replies__outlook.eml": (T, "Test", "Hello", 0),
    "talon__standard_replies__thunderbird.eml": (T, "Re: Test", "Hello", 0),
    "talon__standard_replies__yahoo.eml": (T, "Re: Test", "Hello", 0),
    "thunderbird__invite.eml": (T, "Invite", "You have been invited to a meeting", 2),
    "thunderbird__sample04.eml": (T, "Алфавит", "Вопрос", 0),  # KOI8-R
    "thunderbird__sample05.eml": (T, "Алфавит", "Вопрос", 0),  # Windows-1251
    "written__apple-mail-reply.eml": (T, "Re: VPN", "Still failing on macOS 15.", 0),
    "written__cp1252-labelled-latin1.eml": (T, "Quotes", "Outlook sent “this” – really.", 0),
    "written__cp1252-smart-quotes.eml": (T, "Can’t log in", "“password expired” – and", 0),
    "written__forward-with-attachment.eml": (T, "Fwd: Error report", "Disk full on db1.", 1),
    "written__gb2312-8bit.eml": (T, "服务器无法启动", "您好，我们的服务器今天早上无法启动。", 0),
    "written__gmail-html-only.eml": (T, "Re: Invoice", "The invoice total is wrong.", 0),
    "written__huge-headers.eml": (T, "Long subject subject", "Body after huge headers.", 0),
    "written__latin1-8bit.eml": (T, "Problème d'accès", "me connecter à la console", 0),
    "written__no-message-id.eml": (T, "No id", "The closing boundary never comes.", 0),
    "written__outlook-alternative-reply.eml": (T, "RE: Server down",
                                               "Thanks, the restart fixed it.", 0),
    "written__shift_jis-base64.eml": (T, "ログインできません", "パスワードを忘れました。", 0),
}
# Quoted history and signatures that must not be in the shown body.
NOT_SHOWN = {
    "talon__standard_replies__gmail.eml": "wrote:",
    "talon__standard_replies__iphone.eml": "Sent from my iPhone",
    "talon__standard_replies__yahoo.eml": "Original Message",
    "talon__standard_replies__apple_mail.eml": "wrote:",
    "written__outlook-alternative-reply.eml": "Please restart the service.",
    "written__apple-mail-reply.eml": "Try reinstalling.",
    "written__gmail-html-only.eml": "Here is your invoice.",
}


def test_every_message_file_has_an_expected_outcome():
    files = {p.name for p in DIR.iterdir() if p.suffix != ".md" and not p.name.startswith(".")}
    assert files == set(EXPECTED)
    assert len(files) >= 40


@pytest.mark.parametrize("esp", sorted(ESPS))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name, esp, acme, client, other_customer,
                        django_capture_on_commit_callbacks):
    InboundSettings.objects.create(
        tenant=acme, unknown_sender_action="catch_all", catch_all_customer=other_customer
    )
    status, subject, shown, attachments = EXPECTED[name]
    raw = (DIR / name).read_bytes()
    sender = email_parse(raw).from_address or "unknown@example.net"
    with django_capture_on_commit_callbacks(execute=True):
        response = ESPS[esp](client, raw, recipient=SUPPORT, sender=sender)
    assert response.status_code == 200
    row = InboundEmail.objects.get()
    assert bytes(row.raw_mime) == raw  # nothing lost: the exact bytes, whatever the charset
    assert row.status == status, row.reason
    if status == IGN:
        assert not Ticket.objects.exists() and mail.outbox == []
        return
    ticket = Ticket.objects.get()
    assert row.ticket == ticket and ticket.channel == "email"
    assert subject in ticket.subject
    assert shown in ticket.description
    assert "\ufffd" not in ticket.subject + ticket.description or name in (
        "flanker__mailformed-headers.eml",
    )
    if name in NOT_SHOWN:
        assert NOT_SHOWN[name] not in ticket.description
    assert Attachment.objects.filter(ticket=ticket).count() == attachments
    assert len(mail.outbox) == 1 and f"[{ticket.reference}]" in mail.outbox[0].subject
