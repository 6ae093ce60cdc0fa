"""Knowledge-base articles, the feedback on them, and the suggestion clicks that measure
deflection. Fields and constraints only: every write goes through `kb.services`."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from tenants.constraints import SameTenantForeignKey
from tenants.scoping import TenantOwned


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public (anyone on the support site)"
    CLIENTS = "clients", "Clients only (signed in)"


class Article(TenantOwned):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120)
    body = models.TextField(help_text="Markdown.")
    # The sanitised HTML of `body`, rendered by the service that saves it (pages only read it).
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    category = models.ForeignKey(
        "tickets.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    author = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta(TenantOwned.Meta):
        ordering = ["title"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "slug"], name="kb_article_slug_uniq"),
            SameTenantForeignKey(field="category", name="kb_article_category_same_tenant"),
            SameTenantForeignKey(field="author", name="kb_article_author_same_tenant"),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="kb_article_search_idx"),
            models.Index(fields=["tenant", "status", "visibility"], name="kb_article_listing_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleFeedback(TenantOwned):
    """One "did this help?" vote per article and voter (a user, or an anonymous session)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    voter_key = models.CharField(max_length=80)  # "user:<id>" or "session:<key>"
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "article", "voter_key"], name="kb_feedback_one_vote_uniq"
            ),
            SameTenantForeignKey(field="article", name="kb_feedback_article_same_tenant"),
        ]


class SuggestionClick(TenantOwned):
    """A client opened an article suggested while writing a new ticket.

    `token` is the new-ticket form's one-time submission token. If a ticket is submitted with
    the same token the click did not deflect it; otherwise it counts as a deflection.
    """

    membership = models.ForeignKey(
        "tenants.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=255)
    clicked_at = models.DateTimeField(default=timezone.now)
    # Set once the ticket submitted with this token is seen (see services.suggestion_clicks_settle)
    ticket_submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "membership", "token", "article"], name="kb_click_once_uniq"
            ),
            SameTenantForeignKey(field="membership", name="kb_click_membership_same_tenant"),
            SameTenantForeignKey(field="article", name="kb_click_article_same_tenant"),
        ]
        indexes = [
            models.Index(fields=["tenant", "clicked_at"], name="kb_click_month_idx"),
            models.Index(fields=["tenant", "membership", "token"], name="kb_click_token_idx"),
        ]
