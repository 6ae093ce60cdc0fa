import pytest
from django.core.management import call_command

from kb.models import Article, ArticleStatus
from kb.selectors import article_search, kb_available
from tenants.models import Tenant


@pytest.mark.django_db
def test_load_demo_publishes_help_articles_for_every_tenant_once(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    for tenant in Tenant.objects.all():
        articles = Article.objects.for_tenant(tenant)
        assert articles.count() == 5
        assert set(articles.values_list("status", flat=True)) == {ArticleStatus.PUBLISHED}
        assert kb_available(tenant=tenant)
        found = article_search(tenant=tenant, membership=None, q="forgot password")
        assert [a.slug for a in found] == ["reset-your-password"]
