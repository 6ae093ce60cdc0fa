"""Raw MIME -> what a ticket needs: decoded headers, the shown body (quoted history and
signatures dropped), attachments with safe names. Pure (no ORM); never trusts the message.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from functools import lru_cache
from typing import Any

import nh3
from anymail.inbound import AnymailInboundMessage
from django.core.files.uploadedfile import SimpleUploadedFile
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

# Labels mail clients use that Python does not know, or knows as a smaller charset than the
# one really sent (WHATWG's encoding table: ISO-8859-1 is read as Windows-1252, GB2312 as
# GB18030, Shift_JIS as CP932, EUC-KR / ks_c_5601-1987 as CP949).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "windows-31j": "cp932", "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949",
    "unicode-1-1-utf-7": "utf-7", "iso-8859-8-i": "iso-8859-8", "iso-8859-6-i": "iso-8859-6",
    "x-mac-roman": "mac-roman", "utf8": "utf-8", "cp-850": "cp850",
}
_REPLY_PARSER = EmailReplyParser(languages=sorted(MAIL_LANGUAGES))
_TAG = re.compile(r"\[([A-Z][A-Z0-9]{0,7}-\d{1,18})\]")
_FORWARD = re.compile(r"^\s*(fwd?|wg|tr|rv|enc|doorst)\s*:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\n|\r")
MAX_SHOWN_CHARS = 100_000


@lru_cache(maxsize=4096)
def _header_parsed(factory: Any, name: str, value: str) -> Any:
    return factory(name, value)


class _ParsedOncePolicy(EmailPolicy):
    """email.policy.default (anymail's), whose header objects are made once per value: the
    standard policy parses a header anew on every read, and a message's Content-Type is
    read about twenty times while it is parsed and walked. (Header objects are immutable.)"""

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):
            return value
        value = _LINE_BREAK.sub("", value)  # as EmailPolicy does
        if len(value) > 2000:  # (a long References: parsed when read, not kept)
            return self.header_factory(name, value)
        return _header_parsed(self.header_factory, name, value)


PARSE_POLICY = _ParsedOncePolicy()


@dataclass
class ParsedEmail:
    subject: str
    from_address: str
    from_name: str
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    cc: list[str]
    content_type: str
    body_text: str  # the full text (plain part, or the HTML part as text)
    shown_text: str  # without quoted history and signatures
    attachments: list[SimpleUploadedFile] = field(default_factory=list)
    header: Any = None  # callable(name) -> decoded value or ""
    sender_ambiguity: str = ""  # why the From cannot be taken as the sender ("" when it can)

    def references_all(self) -> list[str]:
        return [*self.in_reply_to, *self.references]

    def subject_tags(self) -> list[str]:
        return _TAG.findall(self.subject)


def charset_decode(payload: bytes, charset: str | None) -> str:
    """Bytes of a text part -> str, whatever the declared charset (never raises)."""
    label = (charset or "").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(label, label) or "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        name = "utf-8"
    if name in ("utf-8", "cp1252"):
        # 8-bit UTF-8 is often sent labelled ASCII or Latin-1 (or not labelled at all):
        # bytes that are valid UTF-8 almost surely are.
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("cp1252", errors="replace")
    try:
        return payload.decode(name)
    except UnicodeDecodeError:
        # Mislabelled mail (8-bit UTF-8 declared as Latin-1, say): UTF-8 when it fits.
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode(name, errors="replace")


def text_clean(text: str) -> str:
    """Text safe to store: raw 8-bit bytes the parser kept as surrogates decoded, no NULs."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = charset_decode(text.encode("utf-8", "surrogateescape"), "utf-8")
    return text.replace("\x00", "")


def header_decode(value: Any) -> str:
    """A header value as text: RFC 2047 words decoded, unknown charsets tolerated."""
    if value is None:
        return ""
    text = str(value)
    if "=?" in text:
        try:
            parts = decode_header(text)
            text = "".join(
                charset_decode(chunk, enc) if isinstance(chunk, bytes) else chunk
                for chunk, enc in parts
            )
        except Exception:  # noqa: BLE001 - malformed encoded words: keep the text as it is
            text = str(value)
    return " ".join(text_clean(text).split())


def _header_getter(message: Message) -> Any:
    # The raw value, decoded here: the email package replaces words in charsets it does not
    # know (iso-8859-8-i, ks_c_5601-1987) with U+FFFD before we could map them.
    raw_items = list(message.raw_items())

    def header(name: str) -> str:
        for key, raw in raw_items:
            if key.lower() == name.lower():
                return header_decode(raw)
        return ""

    return header


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]{1,500}>", value)[:50]


def _addresses(message: AnymailInboundMessage, name: str) -> list[str]:
    try:
        addresses = message.get_address_header(name)
        return [text_clean(a.addr_spec).lower() for a in addresses if a.addr_spec]
    except Exception:  # noqa: BLE001
        return []


def _from(message: AnymailInboundMessage) -> tuple[str, str]:
    try:
        sender = message.from_email
    except Exception:  # noqa: BLE001
        return "", ""
    if isinstance(sender, list):
        sender = sender[0] if sender else None
    if sender is None:
        return "", ""
    return text_clean(sender.addr_spec or "").lower(), header_decode(sender.display_name or "")


def _sender_ambiguity(message: AnymailInboundMessage) -> str:
    """Why the message's sender is ambiguous (empty when it is not): RFC 5322 allows one From
    header. With two, or a From naming several mailboxes, a DMARC verifier may have judged
    one address while we would file the mail as another (the known way to walk a forged From
    past DMARC)."""
    values = message.get_all("From") or []
    if len(values) > 1:
        return f"{len(values)} From headers"
    if values and len(_addresses(message, "From")) > 1:
        return "a From naming several mailboxes"
    return ""


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        return ""
    if not isinstance(payload, bytes):
        payload = str(payload).encode("utf-8", "surrogateescape")
    text = charset_decode(payload, part.get_content_charset())
    return re.sub(r"\r\n|\r", "\n", text).replace("\x00", "")


def html_to_text(html_body: str) -> str:
    # Block-level ends become line breaks, then nh3 drops every tag (and script/style bodies).
    spaced = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d|blockquote)>", "\n", html_body)
    text = html.unescape(nh3.clean(spaced, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _html_without_quotes(html_body: str) -> str:
    # Gmail, Apple Mail, Outlook and Thunderbird put the quoted history in these containers.
    cut = re.split(
        r'(?is)<div[^>]+class="?gmail_quote|<blockquote|<div[^>]+id="?(divRplyFwdMsg|appendonsend)'
        r'|<div[^>]+class="?moz-cite-prefix|<hr[^>]+id="?stopSpelling',
        html_body,
        maxsplit=1,
    )
    return cut[0]


def safe_filename(name: str | None, index: int, content_type: str) -> str:
    """A display name for an attachment that can never act as a path."""
    name = header_decode(name or "")
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip().lstrip(".")
    if not name:
        extension = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
                     "message/rfc822": ".eml", "text/plain": ".txt"}.get(content_type, ".bin")
        name = f"attachment-{index}{extension}"
    return name[:200]


def _attachments(message: AnymailInboundMessage, body_part: Message | None) -> list:
    files = []
    for index, part in enumerate(message.walk(), start=1):
        if part is message or part is body_part or part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        is_text_body = content_type in ("text/plain", "text/html") and disposition != "attachment"
        if is_text_body and not part.get_filename():
            continue
        if content_type == "message/rfc822" or part.get_content_maintype() == "message":
            payload = part.get_payload()
            content = payload[0].as_bytes() if isinstance(payload, list) and payload else b""
        else:
            content = part.get_payload(decode=True) or b""
        name = safe_filename(part.get_filename(), index, content_type)
        files.append(SimpleUploadedFile(name, bytes(content), content_type=content_type))
    return files


def _body_part(message: AnymailInboundMessage) -> tuple[Message | None, Message | None]:
    plain = html_part = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if part.get_filename():
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain" and plain is None:
            plain = part
        elif content_type == "text/html" and html_part is None:
            html_part = part
    return plain, html_part


def shown_reply(text: str) -> str:
    """The newest reply of a text body: quoted history and signatures dropped."""
    try:
        replies = _REPLY_PARSER.read(text).replies
        shown = replies[0].body if replies else text
    except Exception:  # noqa: BLE001 - the library's regexes on hostile input: show it all
        shown = text
    return (shown.strip() or text.strip())[:MAX_SHOWN_CHARS]


def email_parse(raw: bytes) -> ParsedEmail:
    message = BytesParser(AnymailInboundMessage, policy=PARSE_POLICY).parsebytes(raw)
    header = _header_getter(message)
    plain, html_part = _body_part(message)
    # A forward's "quoted" part is the request itself: shown whole.
    forward = bool(_FORWARD.match(header("Subject")))
    if plain is not None and _part_text(plain).strip():
        body_text = _part_text(plain)
        shown = body_text.strip()[:MAX_SHOWN_CHARS] if forward else shown_reply(body_text)
        body_part = plain
    elif html_part is not None:
        html_body = _part_text(html_part)
        body_text = html_to_text(html_body)
        shown = (
            body_text[:MAX_SHOWN_CHARS]
            if forward
            else shown_reply(html_to_text(_html_without_quotes(html_body)))
        )
        body_part = html_part
    else:
        body_text, shown, body_part = "", "", plain
    from_address, from_name = _from(message)
    return ParsedEmail(
        subject=header("Subject")[:250],
        from_address=from_address,
        from_name=from_name[:200],
        message_id=header("Message-ID"),
        in_reply_to=_ids(header("In-Reply-To")),
        references=_ids(header("References")),
        cc=_addresses(message, "Cc"),
        content_type=message.get_content_type(),
        body_text=body_text[:MAX_SHOWN_CHARS],
        shown_text=shown,
        attachments=_attachments(message, body_part),
        header=header,
        sender_ambiguity=_sender_ambiguity(message),
    )
