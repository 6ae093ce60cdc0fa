from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kb import services
from kb.markdown import markdown_to_html
from kb.models import Article, ArticleFeedback, ArticleStatus
from kb.selectors import feedback_counts, kb_available
from tests.kb.factories import make_article
from tests.tickets.factories import category

pytestmark = pytest.mark.django_db


def test_it_saves_a_draft_with_rendered_html_and_a_search_vector(agent):
    article = make_article(agent, body="Click **Save**.", published=False)
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT and article.published_at is None
    assert "<strong>Save</strong>" in article.body_html
    assert article.search_vector is not None
    assert article.slug == "resetting-your-password"


def test_it_makes_slugs_unique_within_the_tenant(agent, outsider):
    first = make_article(agent)
    second = make_article(agent)
    elsewhere = make_article(outsider)
    assert (first.slug, second.slug) == ("resetting-your-password", "resetting-your-password-2")
    assert elsewhere.slug == "resetting-your-password"


def test_it_refuses_a_taken_slug_and_empty_fields_with_field_errors(agent):
    make_article(agent, slug="vpn")
    with pytest.raises(ValidationError) as error:
        services.article_save(tenant=agent.tenant, author=agent, title="x", body="y", slug="vpn")
    assert "slug" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.article_save(tenant=agent.tenant, author=agent, title=" ", body="")
    assert set(error.value.message_dict) == {"title", "body"}


def test_it_refuses_another_tenants_category(agent, other_tenant):
    theirs = category(other_tenant)
    with pytest.raises(ValidationError) as error:
        make_article(agent, category=theirs)
    assert "category" in error.value.message_dict


def test_publishing_keeps_the_first_publication_instant(agent):
    article = make_article(agent)
    first = Article.objects.for_tenant(agent.tenant).get(pk=article.pk).published_at
    services.article_publish(tenant=agent.tenant, article=article, publish=False)
    services.article_publish(tenant=agent.tenant, article=article)
    again = Article.objects.for_tenant(agent.tenant).get(pk=article.pk)
    assert again.status == ArticleStatus.PUBLISHED and again.published_at == first


def test_editing_refreshes_html_and_search(agent):
    from kb.selectors import article_search

    article = make_article(agent, body="About printers.")
    services.article_save(
        tenant=agent.tenant, author=agent, article=article, title=article.title,
        body="About scanners.",
    )  # fmt: skip
    assert article_search(tenant=agent.tenant, membership=None, q="scanner") == [article]
    assert article_search(tenant=agent.tenant, membership=None, q="printer") == []


def test_feedback_is_one_vote_per_voter_and_can_change(agent):
    article = make_article(agent)
    tenant = agent.tenant
    assert services.article_feedback(tenant=tenant, article=article, voter_key="user:1",
                                     helpful=True)  # fmt: skip
    assert not services.article_feedback(tenant=tenant, article=article, voter_key="user:1",
                                         helpful=False)  # fmt: skip
    services.article_feedback(tenant=tenant, article=article, voter_key="session:x", helpful=False)
    assert ArticleFeedback.objects.for_tenant(tenant).count() == 2
    counts = feedback_counts(tenant=tenant, article=article)
    assert (counts.yes, counts.no) == (0, 2)


def test_feedback_on_a_draft_is_refused(agent):
    article = make_article(agent, published=False)
    with pytest.raises(ValidationError):
        services.article_feedback(tenant=agent.tenant, article=article, voter_key="u",
                                  helpful=True)  # fmt: skip


def test_kb_available_only_with_a_published_article(agent, outsider):
    assert not kb_available(tenant=agent.tenant)
    draft = make_article(agent, published=False)
    make_article(outsider)  # another tenant's article promises nothing here
    assert not kb_available(tenant=agent.tenant)
    services.article_publish(tenant=agent.tenant, article=draft)
    assert kb_available(tenant=agent.tenant)


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ('<a href="javascript:alert(1)">x</a>', "<a href"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("[x](JaVaScRiPt:alert(1))", 'href="JaVaScRiPt'),
        ("![i](javascript:alert(1))", 'src="javascript'),
    ],
)
def test_markdown_is_sanitised(source, forbidden):
    html = markdown_to_html(source)
    assert forbidden.lower() not in html.lower()


def test_markdown_keeps_ordinary_formatting_and_safe_links():
    html = markdown_to_html("# Title\n\n- one\n- [docs](https://example.com/a)\n\n`code`")
    assert "<h1>Title</h1>" in html and "<li>one</li>" in html and "<code>code</code>" in html
    assert 'href="https://example.com/a"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_the_template_tag_tells_lower_apps_pages_whether_to_promise_a_kb(agent, outsider):
    from django.template import Context, Template

    page = Template(
        "{% load kb_tags %}{% kb_available tenant=tenant as kb_on %}"
        "{% if kb_on %}See our knowledge base.{% else %}No articles.{% endif %}"
    )
    make_article(outsider)
    assert page.render(Context({"tenant": agent.tenant})) == "No articles."
    make_article(agent)
    assert page.render(Context({"tenant": agent.tenant})) == "See our knowledge base."
