"""The policy page promises a knowledge base exactly when the tenant has published articles."""

from __future__ import annotations

from demo.sla_seeds import load_seed_policy
from tests.kb.factories import make_article


def _training(page: str) -> str:
    start = page.index('id="training"') if 'id="training"' in page else 0
    return page[start:]


def test_the_policy_page_links_the_knowledge_base_only_once_an_article_is_published(
    tenant_client, tenant, agent, outsider
):
    load_seed_policy(tenant=tenant, seed="bytez")
    assert 'class="knowledge-base"' not in tenant_client.get("/policy/").content.decode()

    make_article(agent, published=False)
    make_article(outsider)  # another tenant's article promises nothing here
    assert 'class="knowledge-base"' not in tenant_client.get("/policy/").content.decode()

    make_article(agent, title="Exporting reports", slug="exporting-reports")
    page = tenant_client.get("/policy/").content.decode()
    assert 'class="knowledge-base"' in page
    assert 'href="/kb/"' in _training(page)
