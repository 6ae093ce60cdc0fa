"""The acknowledgement decision, as a pure function."""

from __future__ import annotations

import pytest

from notifications.inbound.acknowledgements import (
    AckLimits,
    Acknowledgement,
    AckRefused,
    AckRequest,
    acknowledgement_decide,
)

LIMITS = AckLimits(per_recipient_per_hour=5, per_tenant_per_hour=100)
CONTEXT = {"reference": "BYT-1042", "tenant_name": "BytezTech",
           "subject": "Buy cheap pills at evil.example", "requester_name": "Evil <evil>"}


def decide(**kwargs):
    base = dict(template="ticket_created", recipient="client@standard.bytez.example",
                recipient_known=True, context=CONTEXT)
    return acknowledgement_decide(AckRequest(**{**base, **kwargs}), LIMITS)


def test_a_known_requester_gets_the_acknowledgement_with_their_subject():
    ack = decide()
    assert isinstance(ack, Acknowledgement)
    assert ack.recipient == "client@standard.bytez.example"
    assert ack.template == "ticket_created"
    assert ack.context["subject"] == CONTEXT["subject"]
    assert ack.context["reference"] == "BYT-1042"


def test_an_unknown_address_never_gets_sender_controlled_text():
    ack = decide(recipient="victim@example.net", recipient_known=False)
    assert isinstance(ack, Acknowledgement)
    assert "subject" not in ack.context and "requester_name" not in ack.context
    assert ack.context["reference"] == "BYT-1042" and ack.context["recipient_known"] is False


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"auto_reason": "Auto-Submitted: auto-replied"}, "automatic mail"),
        ({"verdicts_failure": "spf: fail"}, "verdicts failed"),
        ({"enabled": False}, "off"),
        ({"sent_to_recipient_last_hour": 5}, "this recipient"),
        ({"sent_by_tenant_last_hour": 100}, "this tenant"),
        ({"recipient": ""}, "no valid recipient"),
        ({"recipient": "a@b.example, c@d.example"}, "no valid recipient"),
        ({"recipient": "MAILER-DAEMON"}, "no valid recipient"),
    ],
)
def test_it_refuses(kwargs, reason):
    decision = decide(**kwargs)
    assert isinstance(decision, AckRefused)
    assert reason in decision.reason


def test_under_the_limits_it_sends():
    assert isinstance(decide(sent_to_recipient_last_hour=4, sent_by_tenant_last_hour=99),
                      Acknowledgement)


def test_an_unknown_template_is_a_programming_error():
    with pytest.raises(ValueError):
        decide(template="whatever")
