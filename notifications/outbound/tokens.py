"""Unguessable reply addresses and Message-IDs we send, checkable without storage.

Generic over "the object a conversation is about" (for the helpdesk: a ticket id), so callers
below the email intake (tickets) can address mail without importing it.

`reply+<object id>-<hmac>@INBOUND_DOMAIN` names a ticket; the HMAC (keyed by SECRET_KEY, over
the tenant and ticket ids) makes it unguessable, unlike a sequential reference. Our own
Message-IDs carry the same kind of signature, so a reply quoting one in In-Reply-To is
threaded, and one of ours coming back (a loop) is recognised.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

_DIGEST_CHARS = 24  # 96 bits, lowercase hex: local parts may be case-folded on the way
_REPLY = re.compile(r"^reply\+(\d{1,18})-([0-9a-f]{24})$")
_OUR_ID = re.compile(r"^<?hd\.(\d{1,18})\.(\d{1,18})\.([0-9a-z]{1,40})\.([0-9a-f]{24})@([^>]+)>?$")


def _sign(*parts: object) -> str:
    message = ":".join(str(p) for p in parts).encode()
    key = f"inbound-token:{settings.SECRET_KEY}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:_DIGEST_CHARS]


def reply_address(*, tenant_id: int, ticket_id: int) -> str:
    token = f"{ticket_id}-{_sign('reply', tenant_id, ticket_id)}"
    return f"reply+{token}@{settings.INBOUND_DOMAIN}"


def reply_token_ticket_id(local_part: str) -> int | None:
    """The ticket id of a `reply+<token>` local part, unverified (the tenant is needed)."""
    match = _REPLY.match(local_part.lower())
    return int(match.group(1)) if match else None


def reply_token_valid(local_part: str, *, tenant_id: int, ticket_id: int) -> bool:
    match = _REPLY.match(local_part.lower())
    if not match or int(match.group(1)) != ticket_id:
        return False
    return hmac.compare_digest(match.group(2), _sign("reply", tenant_id, ticket_id))


def message_id_new(*, tenant_id: int, ticket_id: int = 0) -> str:
    """A Message-ID for mail we send about a ticket (0: about no ticket)."""
    nonce = secrets.token_hex(6)
    digest = _sign("msgid", tenant_id, ticket_id, nonce)
    return f"<hd.{tenant_id}.{ticket_id}.{nonce}.{digest}@{settings.INBOUND_DOMAIN}>"


def message_id_ours(value: str) -> tuple[int, int] | None:
    """(tenant id, ticket id) when `value` is a Message-ID we generated, else None."""
    match = _OUR_ID.match(value.strip())
    if not match:
        return None
    tenant_id, ticket_id, nonce, digest, _domain = match.groups()
    if not hmac.compare_digest(digest, _sign("msgid", tenant_id, ticket_id, nonce)):
        return None
    return int(tenant_id), int(ticket_id)
