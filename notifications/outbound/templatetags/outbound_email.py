"""`{% email_deliveries ticket %}`: the ticket work page's "email delivery" list, from one
include line. Duck-typed on the object (its tenant and pk): the core knows no tickets."""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("notifications/email/_deliveries.html", takes_context=True)
def email_deliveries(
    context: template.Context, obj: Any, topic_kind: str = "ticket", limit: int = 20
) -> dict[str, Any]:
    rows = list(
        selectors.email_deliveries_of_topic(tenant=obj.tenant, topic=f"{topic_kind}:{obj.pk}")[
            :limit
        ]
    )
    # The page's reader zone (tenants' context processor): times shown as on the page.
    return {"deliveries": rows, "reader_zone": context.get("reader_zone") or "UTC"}
