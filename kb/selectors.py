"""Reads of the knowledge base: who sees which article, search, reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ops.models import IdempotencyRecord
from tenants.models import Membership, Tenant
from tenants.roles import Perm

from .models import Article, ArticleFeedback, ArticleStatus, SuggestionClick, Visibility
from .services import SEARCH_CONFIG

# A client still reading the article may come back and submit: a click counts as a
# deflection only once this long has passed without a submission.
DEFLECTION_GRACE = timedelta(minutes=30)
SUGGESTION_LIMIT = 5


def can_write(membership: Membership | None) -> bool:
    """Agents and above (tenant admins included) write articles."""
    return membership is not None and membership.can(Perm.TICKET_WORK)


def articles_visible(*, tenant: Tenant, membership: Membership | None) -> QuerySet[Article]:
    """Anonymous visitors: published public articles. Signed-in clients: published public
    and clients-only ones. Staff: everything, drafts included."""
    articles = Article.objects.for_tenant(tenant)
    if can_write(membership):
        return articles
    articles = articles.filter(status=ArticleStatus.PUBLISHED)
    if membership is None or not membership.is_active:
        return articles.filter(visibility=Visibility.PUBLIC)
    return articles


def articles_published(*, tenant: Tenant, membership: Membership | None) -> QuerySet[Article]:
    """What the portal lists: published articles the reader may see (staff too: the portal
    shows what clients see)."""
    return articles_visible(tenant=tenant, membership=membership).filter(
        status=ArticleStatus.PUBLISHED
    )


def article_get(*, tenant: Tenant, membership: Membership | None, slug: str) -> Article:
    """The article, or 404: another tenant's, a draft for a client and a clients-only article
    for an anonymous visitor all look like a missing one."""
    article = (
        articles_visible(tenant=tenant, membership=membership)
        .select_related("category", "author__user")
        .filter(slug=slug)
        .first()
    )
    if article is None:
        raise Http404("No such article.")
    return article


def article_get_for_edit(*, tenant: Tenant, article_id: int) -> Article:
    article = Article.objects.for_tenant(tenant).filter(pk=article_id).first()
    if article is None:
        raise Http404("No such article.")
    return article


def article_search(
    *,
    tenant: Tenant,
    membership: Membership | None,
    q: str,
    published_only: bool = True,
    limit: int | None = None,
    any_word: bool = False,
) -> list[Article]:
    """Articles matching `q` (web-search syntax: words, "phrases", -not), best first: title
    matches weigh more than body matches. `any_word`: match any of the words (a ticket
    subject such as "cannot reset my password" rarely has all its words in one article)."""
    q = q.strip()
    if any_word:
        words = re.findall(r"\w+", q)[:12]
        q = " or ".join(words)
    if not q:
        return []
    query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
    articles = articles_visible(tenant=tenant, membership=membership)
    if published_only:
        articles = articles.filter(status=ArticleStatus.PUBLISHED)
    ranked = (
        articles.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .select_related("category")
        .defer("body", "body_html", "search_vector")
        .order_by("-rank", "-updated_at", "pk")
    )
    return list(ranked[:limit] if limit else ranked)


def articles_by_category(
    *, tenant: Tenant, membership: Membership | None
) -> list[tuple[str, list[Article]]]:
    """The portal index: published articles grouped by category (uncategorised last)."""
    articles = (
        articles_published(tenant=tenant, membership=membership)
        .select_related("category")
        .defer("body", "body_html", "search_vector")
        .order_by(F("category__order").asc(nulls_last=True), "category__name", "title")
    )
    groups: dict[str, list[Article]] = {}
    for article in articles:
        name = article.category.name if article.category else "General"
        groups.setdefault(name, []).append(article)
    return list(groups.items())


def kb_available(*, tenant: Tenant) -> bool:
    """Whether the tenant has any published article: the policy page promises a knowledge
    base only then."""
    return Article.objects.for_tenant(tenant).filter(status=ArticleStatus.PUBLISHED).exists()


@dataclass(frozen=True)
class FeedbackCounts:
    yes: int
    no: int


def feedback_counts(*, tenant: Tenant, article: Article) -> FeedbackCounts:
    counts = (
        ArticleFeedback.objects.for_tenant(tenant)
        .filter(article=article)
        .aggregate(yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)))
    )
    return FeedbackCounts(yes=counts["yes"], no=counts["no"])


def feedback_of(*, tenant: Tenant, article: Article, voter_key: str) -> bool | None:
    vote = (
        ArticleFeedback.objects.for_tenant(tenant)
        .filter(article=article, voter_key=voter_key)
        .values_list("helpful", flat=True)
        .first()
    )
    return vote


def manage_list(*, tenant: Tenant) -> QuerySet[Article]:
    return (
        Article.objects.for_tenant(tenant)
        .select_related("category", "author__user")
        .defer("body", "body_html", "search_vector")
        .annotate(
            helpful_yes=Count("feedback", filter=Q(feedback__helpful=True)),
            helpful_no=Count("feedback", filter=Q(feedback__helpful=False)),
        )
        .order_by("-updated_at", "pk")
    )


def month_start(now: datetime, zone) -> datetime:
    local = now.astimezone(zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def deflections_count(*, tenant: Tenant, since: datetime, now: datetime | None = None) -> int:
    """New-ticket forms (one per token) on which the client opened a suggested article
    since `since` and then did not submit: counted once the grace period is over."""
    now = now or timezone.now()
    submitted = IdempotencyRecord.objects.filter(
        tenant=tenant,
        scope=IdempotencyRecord.Scope.FORM,
        user_id=OuterRef("membership__user_id"),
        key=OuterRef("token"),
    )
    clicks = SuggestionClick.objects.for_tenant(tenant).filter(
        clicked_at__gte=since, clicked_at__lte=now - DEFLECTION_GRACE
    )
    # A form counts as submitted if any of its clicks was settled or the record still exists.
    settled = SuggestionClick.objects.for_tenant(tenant).filter(
        membership=OuterRef("membership"), token=OuterRef("token"),
        ticket_submitted_at__isnull=False,
    )  # fmt: skip
    return (
        clicks.exclude(Exists(submitted))
        .exclude(Exists(settled))
        .values("membership", "token")
        .distinct()
        .count()
    )


def policy_page_knowledge_base(tenant: Tenant) -> dict[str, Any]:
    """The policy page's knowledge-base line: only for a tenant with published articles."""
    if not kb_available(tenant=tenant):
        return {}
    return {"knowledge_base": {"url": reverse("kb:index")}}
