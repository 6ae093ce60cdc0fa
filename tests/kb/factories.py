from __future__ import annotations

from kb import services
from kb.models import Article, Visibility


def make_article(
    author, *, title="Resetting your password", body="Use the **Forgot password** link.",
    visibility=Visibility.PUBLIC, published=True, category=None, slug="",
) -> Article:  # fmt: skip
    article = services.article_save(
        tenant=author.tenant, author=author, title=title, body=body, visibility=visibility,
        category=category, slug=slug,
    )  # fmt: skip
    if published:
        services.article_publish(tenant=author.tenant, article=article)
    return article
