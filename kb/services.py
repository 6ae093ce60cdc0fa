"""Every write of the knowledge base: saving, publishing, feedback and suggestion clicks."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import slugify

from ops.models import IdempotencyRecord
from tenants.models import Membership, Tenant
from tickets.models import Category

from .markdown import markdown_to_html
from .models import Article, ArticleFeedback, ArticleStatus, SuggestionClick, Visibility

SEARCH_CONFIG = "english"  # the same dictionary as ticket search


def _search_vector() -> SearchVector:
    # Computed by PostgreSQL from the row's own columns, in the same UPDATE as the text.
    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="B", config=SEARCH_CONFIG
    )


def _unique_slug(*, tenant: Tenant, wanted: str, exclude_pk: int | None) -> str:
    base = slugify(wanted)[:100] or "article"
    taken = set(
        Article.objects.for_tenant(tenant)
        .filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def article_save(
    *,
    tenant: Tenant,
    author: Membership,
    title: str,
    body: str,
    visibility: str = Visibility.PUBLIC,
    category: Category | None = None,
    slug: str = "",
    article: Article | None = None,
) -> Article:
    """Create (article=None) or edit an article; renders and sanitises the Markdown and
    refreshes the search vector. A new article is a draft until `article_publish`."""
    errors: dict[str, str] = {}
    title, body = title.strip(), body.strip()
    if not title:
        errors["title"] = "A title is required."
    if not body:
        errors["body"] = "The article needs some text."
    if visibility not in Visibility.values:
        errors["visibility"] = "Choose public or clients only."
    if category is not None and category.tenant_id != tenant.pk:
        errors["category"] = "Unknown category."
    if slug and slugify(slug) != slug:
        errors["slug"] = "Use lowercase letters, digits and hyphens."
    if errors:
        raise ValidationError(errors)
    if article is None:
        article = Article(tenant=tenant, author=author)
    elif article.tenant_id != tenant.pk:
        raise ValidationError("Unknown article.")
    if slug:
        clash = Article.objects.for_tenant(tenant).filter(slug=slug).exclude(pk=article.pk)
        if clash.exists():
            raise ValidationError({"slug": "Another article already uses this address."})
    else:
        slug = article.slug or _unique_slug(tenant=tenant, wanted=title, exclude_pk=article.pk)
    article.title, article.body, article.slug = title, body, slug
    article.visibility, article.category = visibility, category
    article.body_html = markdown_to_html(body)
    article.updated_at = timezone.now()
    with transaction.atomic():
        try:
            article.save()
        except IntegrityError as error:  # two saves racing for one slug
            raise ValidationError({"slug": "Another article already uses this address."}) from (
                error
            )
        Article.objects.for_tenant(tenant).filter(pk=article.pk).update(
            search_vector=_search_vector()
        )
    return article


def article_publish(*, tenant: Tenant, article: Article, publish: bool = True) -> Article:
    """Publish (or take back to draft). `published_at` is the first publication's instant
    and is kept when an article is re-published after an edit."""
    if article.tenant_id != tenant.pk:
        raise ValidationError("Unknown article.")
    now = timezone.now()
    article.status = ArticleStatus.PUBLISHED if publish else ArticleStatus.DRAFT
    if publish and article.published_at is None:
        article.published_at = now
    article.updated_at = now
    Article.objects.for_tenant(tenant).filter(pk=article.pk).update(
        status=article.status, published_at=article.published_at, updated_at=now
    )
    return article


def article_feedback(*, tenant: Tenant, article: Article, voter_key: str, helpful: bool) -> bool:
    """Record a "did this help?" vote. One vote per voter and article: voting again changes
    the vote, it never adds a second. Returns whether this was the voter's first vote."""
    if article.tenant_id != tenant.pk or not article.is_published:
        raise ValidationError("Unknown article.")
    if not voter_key:
        raise ValidationError("No voter.")
    _, created = ArticleFeedback.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, article=article, voter_key=voter_key, defaults={"helpful": helpful}
    )
    return created


def suggestion_click_record(
    *, tenant: Tenant, membership: Membership, article: Article, token: str
) -> None:
    """A client opened `article` from the suggestions of the new-ticket form `token`."""
    token = token.strip()[:255]
    if not token or not membership.is_client or article.tenant_id != tenant.pk:
        return
    SuggestionClick.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, membership=membership, token=token, article=article
    )


def suggestion_clicks_settle(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Mark the clicks whose form was submitted after all (the ticket's form submission is an
    IdempotencyRecord with the same one-time token, kept a day): those are not deflections.

    Run before the report and periodically: the records it reads are swept after a day.
    Returns how many clicks were settled."""
    now = now or timezone.now()
    submitted = IdempotencyRecord.objects.filter(
        tenant=tenant,
        scope=IdempotencyRecord.Scope.FORM,
        user_id=OuterRef("membership__user_id"),
        key=OuterRef("token"),
    )
    return (
        SuggestionClick.objects.for_tenant(tenant)
        .filter(ticket_submitted_at__isnull=True)
        .filter(Exists(submitted))
        .update(ticket_submitted_at=now)
    )


def suggestion_clicks_settle_cross_tenant(*, now: datetime | None = None) -> int:
    """`suggestion_clicks_settle` for every tenant in one UPDATE (the hourly beat job): it
    must run within a day of a submission, before its IdempotencyRecord is swept."""
    now = now or timezone.now()
    submitted = IdempotencyRecord.objects.cross_tenant().filter(
        tenant=OuterRef("tenant"),
        scope=IdempotencyRecord.Scope.FORM,
        user_id=OuterRef("membership__user_id"),
        key=OuterRef("token"),
    )
    return (
        SuggestionClick.objects.cross_tenant()
        .filter(ticket_submitted_at__isnull=True, clicked_at__gte=now - timedelta(days=2))
        .filter(Exists(submitted))
        .update(ticket_submitted_at=now)
    )
