"""The public policy page: no login, generated from the tenant's SLA configuration."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .policy_page import policy_page_context, policy_page_extras


def policy_page(request: HttpRequest) -> HttpResponse:
    if getattr(request, "tenant", None) is None:
        raise Http404("No tenant here.")
    # Facts owned by apps above sla (the knowledge base, ...), registered by those apps.
    extras = policy_page_extras(tenant=request.tenant)
    context = policy_page_context(tenant=request.tenant, now=timezone.now(), extras=extras)
    return render(request, "policy/page.html", context)
