"""One object per URL kwarg of the kb routes, for tests/test_isolation.py."""

from __future__ import annotations

from tenants.roles import Role
from tests.factories import MembershipFactory
from tests.kb.factories import make_article


def _article(tenant):
    author = MembershipFactory(tenant=tenant, role=Role.AGENT)
    return make_article(author, title=f"Article {author.pk}")


URL_OBJECTS = {
    "slug": lambda tenant: _article(tenant).slug,
    "article_id": lambda tenant: _article(tenant).pk,
}
