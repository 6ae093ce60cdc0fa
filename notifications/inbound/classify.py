"""Pure judgements on a parsed message: is it automatic (no ticket, never answered), and do
the ESP's verdicts fail (held for review). No ORM here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# RFC 3834 and the de-facto headers of vacation responders, list servers and MTAs.
_PRECEDENCE_AUTO = {"bulk", "junk", "list", "auto_reply"}
_DAEMON_LOCALS = {"mailer-daemon", "postmaster", "mail-daemon", "maildaemon", "mailerdaemon"}
_AUTO_SUBJECTS = re.compile(
    r"^\s*(automatic reply|auto(matische|matyczna)?[ -]?(reply|antwort|odpowied\w*)|"
    r"out of (the )?office|undeliverable|undelivered mail|delivery status notification|"
    r"mail delivery (failed|failure|subsystem)|failure notice|returned mail|"
    r"delivery (failure|has failed)|abwesenheitsnotiz)",
    re.IGNORECASE,
)
_FAIL_WORDS = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(fail|permerror|softfail)\b", re.IGNORECASE)
SPAM_SCORE_LIMIT = 5.0


def auto_reason(
    header: Callable[[str], str],
    *,
    content_type: str,
    envelope_sender: str | None,
    from_address: str,
    message_id_is_ours: bool,
) -> str:
    """Why this message is automatic mail (empty when it is not).

    `header(name)` returns the decoded header value or "". `envelope_sender` is None when the
    ESP did not give one (then it proves nothing); "" or "<>" is the null sender of bounces.
    """
    auto_submitted = header("Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted[:40]}"
    precedence = header("Precedence").lower().strip()
    if precedence in _PRECEDENCE_AUTO:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id",
                 "List-Unsubscribe", "List-Post", "X-Mailman-Version", "X-Mailing-List",
                 "Mailing-List", "X-Loop", "X-Apple-Action"):
        if header(name):
            return f"{name} present"
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return "empty envelope sender (a bounce)"
    if header("Return-Path").strip() == "<>":
        return "empty Return-Path (a bounce)"
    local = from_address.split("@", 1)[0]
    if local.endswith(("-request", "-bounces", "-owner")) or local.startswith("owner-"):
        return "from a mailing-list address"
    if local in _DAEMON_LOCALS or not from_address:
        return "from a mail daemon" if from_address else "no sender address"
    if content_type in ("multipart/report", "message/delivery-status"):
        return f"{content_type} (a delivery report)"
    if message_id_is_ours:
        return "our own Message-ID came back (mail loop)"
    if _AUTO_SUBJECTS.match(header("Subject")):
        return "auto-reply subject"
    return ""


def verdicts_failed(verdicts: Mapping[str, Any]) -> str:
    """Why the ESP's verdicts fail (empty when none fails; unknown is not a failure)."""
    if verdicts.get("spam_detected") is True:
        return "the ESP flagged it as spam"
    score = verdicts.get("spam_score")
    if isinstance(score, int | float) and score >= SPAM_SCORE_LIMIT:
        return f"spam score {score}"
    for key in ("spf", "dkim", "dmarc", "x-mailgun-spf", "received-spf"):
        value = str(verdicts.get(key) or "").strip().lower()
        if value.startswith(("fail", "softfail", "permerror")) or "@" in value and "fail" in value:
            return f"{key}: {value[:60]}"
    if str(verdicts.get("x-mailgun-dkim-check-result") or "").lower() == "fail":
        return "dkim: fail"
    if str(verdicts.get("x-spam-flag") or "").lower().startswith("yes") or str(
        verdicts.get("x-spam-status") or ""
    ).lower().startswith("yes"):
        return "spam flag set"
    match = _FAIL_WORDS.search(str(verdicts.get("authentication-results") or ""))
    if match:
        return f"{match.group(1).lower()}={match.group(2).lower()} (Authentication-Results)"
    return ""


# Providers that deliver first.last@ and firstlast@ to one mailbox.
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def mailbox_key(address: str) -> str:
    """The mailbox an address delivers to, for per-recipient caps: lower-cased, without a
    `+tag` sub-address, and without dots where the provider ignores them. victim+1@ and
    victim+2@ are one victim."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return address.strip().lower()
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "") or local
        domain = "gmail.com"
    return f"{local}@{domain}"
