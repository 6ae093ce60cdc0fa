"""Knowledge-base pages: the portal (public articles without sign-in), suggestions on the
new-ticket form, and the staff pages under /kb/manage/. Thin: services write, selectors read."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tenants.access import member_required
from tenants.roles import Perm

from . import selectors, services
from .forms import ArticleForm, FeedbackForm, SearchForm, one_time_token
from .markdown import markdown_to_html

WRITE = Perm.TICKET_WORK  # agents and above, tenant admins included


def _tenant_or_404(request: HttpRequest):  # noqa: ANN202
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise Http404("No tenant here.")
    return tenant


class BadQuery(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _search_text(request: HttpRequest, *names: str) -> str:
    """The first of `names` given in the query string, cleaned by SearchForm; a 400 with the
    error for text PostgreSQL cannot take (NUL characters) or that is too long."""
    raw = next((request.GET[n] for n in names if request.GET.get(n)), "")
    form = SearchForm({"q": raw})
    if not form.is_valid():
        text = " ".join(form.errors["q"])
        raise BadQuery(HttpResponse(text, status=400, content_type="text/plain; charset=utf-8"))
    return form.cleaned_data["q"]


def _voter_key(request: HttpRequest, *, create: bool = False) -> str:
    """Who votes: the signed-in user, else the browser session. Reading an article does not
    create a session (crawlers would fill the table); voting does."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if not request.session.session_key:
        if not create:
            return ""
        request.session.save()
    return f"session:{request.session.session_key}"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    tenant = _tenant_or_404(request)
    membership = getattr(request, "membership", None)
    try:
        q = _search_text(request, "q")
    except BadQuery as bad:
        return bad.response
    context = {"q": q, "can_write": selectors.can_write(membership)}
    if q:
        context["results"] = selectors.article_search(tenant=tenant, membership=membership, q=q)
    else:
        context["groups"] = selectors.articles_by_category(tenant=tenant, membership=membership)
    return render(request, "kb/index.html", context)


def _article_context(request: HttpRequest, slug: str) -> dict:
    tenant = _tenant_or_404(request)
    membership = getattr(request, "membership", None)
    article = selectors.article_get(tenant=tenant, membership=membership, slug=slug)
    if not article.is_published and not selectors.can_write(membership):
        raise Http404("No such article.")
    voter_key = _voter_key(request)
    my_vote = None
    if voter_key:
        my_vote = selectors.feedback_of(tenant=tenant, article=article, voter_key=voter_key)
    return {
        "article": article,
        "counts": selectors.feedback_counts(tenant=tenant, article=article),
        "my_vote": my_vote,
        "can_write": selectors.can_write(membership),
        "zone": zoneinfo.ZoneInfo(tenant.time_zone),
    }


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    context = _article_context(request, slug)
    membership = getattr(request, "membership", None)
    token = one_time_token(request.GET.get("from"))
    if token and membership is not None and context["article"].is_published:
        # Opened from the suggestions under a new ticket's subject: counted for deflection.
        services.suggestion_click_record(
            tenant=request.tenant, membership=membership, article=context["article"], token=token
        )
    return render(request, "kb/article.html", context)


@require_POST
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    context = _article_context(request, slug)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        context["feedback_errors"] = form.errors
        return render(request, "kb/article.html", context, status=400)
    try:
        services.article_feedback(
            tenant=request.tenant,
            article=context["article"],
            voter_key=_voter_key(request, create=True),
            helpful=form.cleaned_data["helpful"],
        )
    except ValidationError as error:
        raise Http404("No such article.") from error
    messages.success(request, "Thank you for your feedback.")
    return redirect("kb:article", slug=slug)


@member_required(Perm.TICKET_CREATE)
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """A small HTML fragment of matching articles for the new-ticket form."""
    # `subject` and `submission_token` are what htmx sends from the new-ticket form.
    try:
        q = _search_text(request, "q", "subject")
    except BadQuery as bad:
        return bad.response
    articles = []
    if len(q) >= 3:
        articles = selectors.article_search(
            tenant=request.tenant, membership=request.membership, q=q,
            limit=selectors.SUGGESTION_LIMIT, any_word=True,
        )  # fmt: skip
    token = one_time_token(request.GET.get("token") or request.GET.get("submission_token"))
    return render(request, "kb/_suggestions.html", {"articles": articles, "token": token})


@member_required(WRITE)
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    now = timezone.now()
    services.suggestion_clicks_settle(tenant=tenant, now=now)
    context = {
        "articles": selectors.manage_list(tenant=tenant),
        "deflected": selectors.deflections_count(
            tenant=tenant, since=selectors.month_start(now, zone), now=now
        ),
        "zone": zone,
    }
    return render(request, "kb/manage_list.html", context)


def _edit(request: HttpRequest, article=None) -> HttpResponse:  # noqa: ANN001
    tenant = request.tenant
    initial = {}
    if article is not None:
        initial = {
            "title": article.title, "slug": article.slug, "category": article.category,
            "visibility": article.visibility, "body": article.body,
        }  # fmt: skip
    form = ArticleForm(request.POST or None, initial=initial, tenant=tenant)
    context = {"form": form, "article": article}
    if request.method != "POST":
        return render(request, "kb/manage_edit.html", context)
    if not form.is_valid():
        return render(request, "kb/manage_edit.html", context, status=400)
    data = form.cleaned_data
    if request.POST.get("action") == "preview":
        context["preview"] = markdown_to_html(data["body"])
        return render(request, "kb/manage_edit.html", context)
    try:
        saved = services.article_save(
            tenant=tenant, author=request.membership, article=article, title=data["title"],
            body=data["body"], visibility=data["visibility"], category=data["category"],
            slug=data["slug"],
        )  # fmt: skip
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render(request, "kb/manage_edit.html", context, status=400)
    messages.success(request, f"Saved “{saved.title}”.")
    return redirect("kb:manage_edit", article_id=saved.pk)


@member_required(WRITE)
def manage_new(request: HttpRequest) -> HttpResponse:
    return _edit(request)


@member_required(WRITE)
def manage_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    article = selectors.article_get_for_edit(tenant=request.tenant, article_id=article_id)
    return _edit(request, article)


@member_required(WRITE)
@require_POST
def manage_publish(request: HttpRequest, article_id: int) -> HttpResponse:
    article = selectors.article_get_for_edit(tenant=request.tenant, article_id=article_id)
    publish = request.POST.get("publish")
    if publish not in ("1", "0"):
        return HttpResponse("publish must be 1 or 0", status=400, content_type="text/plain")
    services.article_publish(tenant=request.tenant, article=article, publish=publish == "1")
    messages.success(request, "Published." if publish == "1" else "Back to draft.")
    return redirect("kb:manage_edit", article_id=article.pk)


@member_required(WRITE)
@require_GET
def picker(request: HttpRequest) -> HttpResponse:
    """Search fragment for the reply box: each result inserts the article's absolute URL."""
    try:
        q = _search_text(request, "q")
    except BadQuery as bad:
        return bad.response
    articles = selectors.article_search(
        tenant=request.tenant, membership=request.membership, q=q, limit=8
    )
    links = [
        (a, request.build_absolute_uri(reverse("kb:article", args=[a.slug]))) for a in articles
    ]
    return render(request, "kb/_picker_results.html", {"links": links, "q": q})
