"""Email texts: a tenant's override of an event's three templates, else the files
`templates/notifications/email/<event>_subject.txt`, `<event>.txt`, `<event>.html`.

Overrides are tenant-written, so they render in a sandbox: an engine whose only tags and
filters are the few an email text needs (`_TAGS`, `_FILTERS`: no loader, include, URL, lorem,
loop, padding or format filter; in the HTML part nothing that turns escaping off), and only
the event's documented variables; the context holds plain strings and numbers only, so
nothing can be called. HTML is autoescaped.

Text a sender wrote (`ECHO_KEYS`: the subject, the requester's name) is rendered only when the
context says the recipient is known (`recipient_known`): never into mail to an address that
has not shown it is read by the person it names, whatever a template (file or override) says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.template import (
    Context,
    Engine,
    Library,
    Template,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import Node, VariableNode
from django.template.defaulttags import ForNode, IfNode, WithNode
from django.template.loader import render_to_string

from tenants.bulk import columns_of, select_instances
from tenants.models import Tenant

from .models import EmailTemplateOverride

_COMMON = ("tenant_name", "reference", "portal_url", "subject", "requester_name",
           "recipient_known")  # fmt: skip
# The documented variables of each event (shown on the settings page).
EVENTS: dict[str, tuple[str, ...]] = {
    "ticket_created": _COMMON,
    "ticket_reply": (*_COMMON, "author_name", "body"),
    "ticket_status": (*_COMMON, "status", "status_label"),
    "inbound_refused": ("tenant_name",),
    "inbound_oversize": ("tenant_name", "limit_mb"),
}
# Sender-controlled values: dropped from the context unless `recipient_known` is true.
ECHO_KEYS = ("subject", "requester_name")
_FORBIDDEN_TAGS = re.compile(r"{%-?\s*(load|include|extends|ssi|debug)\b")
# What an override may use. Left out on purpose: loops (a nested loop over a string is
# billions of steps), padding and format filters (`ljust:"200000000"` is 200 MB), `lorem`,
# `url`, `now`, `filter` (applies any filter), `safe` and, in HTML, `autoescape`.
_TAGS = {
    "if": defaulttags.do_if, "with": defaulttags.do_with, "comment": defaulttags.comment,
    "spaceless": defaulttags.spaceless, "templatetag": defaulttags.templatetag,
    "verbatim": defaulttags.verbatim, "firstof": defaulttags.firstof,
}  # fmt: skip
_FILTERS = (
    "add", "capfirst", "cut", "default", "default_if_none", "escape", "first", "force_escape",
    "last", "length", "linebreaks", "linebreaksbr", "lower", "striptags", "title",
    "truncatechars", "truncatewords", "upper", "urlencode", "wordcount", "yesno",
)  # fmt: skip


def _library(*, html: bool) -> Library:
    library = Library()
    for name, compile_function in _TAGS.items():
        library.tag(name, compile_function)
    if not html:  # (the shipped text templates say `autoescape off`; escaping is off there)
        library.tag("autoescape", defaulttags.autoescape)
    for name in _FILTERS:
        library.filter(name, defaultfilters.register.filters[name])
    return library


class _SandboxEngine(Engine):
    """No loaders, no libraries to load, and only `_library`'s tags and filters built in."""

    def __init__(self, *, html: bool) -> None:
        super().__init__(libraries={}, loaders=[], autoescape=html, string_if_invalid="")
        self.template_builtins = [_library(html=html)]


_ENGINE = _SandboxEngine(html=True)
_TEXT_ENGINE = _SandboxEngine(html=False)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    body_html: str


class TemplateInvalid(ValueError):
    """An override that does not compile or uses what the sandbox does not allow."""


def _names(nodes: list[Node], bound: set[str]) -> set[str]:
    """Top-level variable names the nodes read, minus the ones `for`/`with` bind."""
    found: set[str] = set()
    for node in nodes:
        inner = set(bound)
        if isinstance(node, VariableNode):
            found |= _expression_names(node.filter_expression)
        elif isinstance(node, ForNode):
            found |= _expression_names(node.sequence)
            inner |= set(node.loopvars) | {"forloop"}
        elif isinstance(node, WithNode):
            found |= {n for e in node.extra_context.values() for n in _expression_names(e)}
            inner |= set(node.extra_context)
        elif isinstance(node, IfNode):
            for condition, _ in node.conditions_nodelists:
                found |= _condition_names(condition)
        for attr in getattr(node, "child_nodelists", ()):
            found |= _names(list(getattr(node, attr, None) or []), inner) - inner
        if isinstance(node, IfNode):
            for _, nodelist in node.conditions_nodelists:
                found |= _names(list(nodelist), inner) - inner
    return found - bound


def _expression_names(expression: Any) -> set[str]:
    var = getattr(expression, "var", None)
    lookups = getattr(var, "lookups", None)
    found = {lookups[0]} if lookups else set()
    for _func, args in getattr(expression, "filters", ()):
        for _is_var, arg in args:
            if getattr(arg, "lookups", None):
                found.add(arg.lookups[0])
    return found


def _condition_names(condition: Any) -> set[str]:
    if condition is None:
        return set()
    found: set[str] = set()
    value = getattr(condition, "value", None)
    if value is not None:
        found |= _expression_names(value)
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if part is not None:
            found |= _condition_names(part)
    return found


def template_compile(*, source: str, event: str, html: bool) -> Template:
    """Compile a tenant's template or raise TemplateInvalid with a message for the form."""
    if _FORBIDDEN_TAGS.search(source):
        raise TemplateInvalid("{% load %}, {% include %}, {% extends %} are not allowed.")
    try:
        template = (_ENGINE if html else _TEXT_ENGINE).from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateInvalid(str(error)) from error
    unknown = _names(list(template.nodelist), set()) - set(EVENTS.get(event, ()))
    if unknown:
        allowed = ", ".join(EVENTS.get(event, ()))
        raise TemplateInvalid(
            f"Unknown variable(s): {', '.join(sorted(unknown))}. Allowed: {allowed}."
        )
    return template


def _plain(context: Mapping[str, Any], event: str) -> dict[str, Any]:
    # Plain values only: nothing in an override's reach can be called.
    allowed = set(EVENTS.get(event, ()))
    return {
        k: v if isinstance(v, (str, int, float, bool)) else str(v)
        for k, v in context.items() if k in allowed
    }  # fmt: skip


def override_render(
    *, event: str, subject: str, text: str, html: str, context: Mapping[str, Any]
) -> Rendered:
    """Render an override (raises TemplateInvalid); the settings page previews with this."""
    values = _plain(context, event)
    try:
        rendered_subject = template_compile(source=subject, event=event, html=False).render(
            Context(values, autoescape=False)
        )
        body = template_compile(source=text, event=event, html=False).render(
            Context(values, autoescape=False)
        )
        body_html = (
            template_compile(source=html, event=event, html=True).render(Context(values))
            if html.strip()
            else ""
        )
    except TemplateInvalid:
        raise
    except Exception as error:  # a render-time error in tenant text is the tenant's to fix
        raise TemplateInvalid(f"{type(error).__name__}: {error}") from error
    return Rendered(_subject_line(rendered_subject, values), body.strip(), body_html.strip())


def _subject_line(subject: str, context: Mapping[str, Any]) -> str:
    line = " ".join(subject.split())
    reference = context.get("reference")
    if reference and f"[{reference}]" not in line:
        line = f"[{reference}] {line}"
    return line[:250]


def override_get(*, tenant: Tenant, event: str) -> EmailTemplateOverride | None:
    """The tenant's override of `event`, if any: read for every email (written out, the ORM's
    compilation of the lookup cost more than the statement; fresh, so a saved change counts
    from the next email on)."""
    found = select_instances(
        EmailTemplateOverride,
        f"SELECT {columns_of(EmailTemplateOverride)} "  # noqa: S608 - our table
        f"FROM {EmailTemplateOverride._meta.db_table} WHERE tenant_id = %s AND event = %s",
        [tenant.pk, event],
    )
    return found[0] if found else None


def email_render(*, tenant: Tenant, event: str, context: Mapping[str, Any]) -> Rendered:
    if not context.get("recipient_known"):
        context = {k: v for k, v in context.items() if k not in ECHO_KEYS}
    override = override_get(tenant=tenant, event=event)
    if override is not None:
        try:
            return override_render(event=event, subject=override.subject, text=override.text,
                                   html=override.html, context=context)  # fmt: skip
        except TemplateInvalid:
            pass  # saved before a rule changed: the files still say something sensible
    base = f"notifications/email/{event}"
    values = dict(context)
    return Rendered(
        subject=_subject_line(render_to_string(f"{base}_subject.txt", values), values),
        body=render_to_string(f"{base}.txt", values).strip(),
        body_html=render_to_string(f"{base}.html", values).strip(),
    )
