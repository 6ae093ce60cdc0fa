from __future__ import annotations

import pytest
from django.http import Http404

from kb.models import Visibility
from kb.selectors import article_get, article_search
from tests.kb.factories import make_article

pytestmark = pytest.mark.django_db


def test_a_title_match_ranks_above_a_body_match(agent):
    body_only = make_article(agent, title="Network basics", body="If the VPN drops, reconnect.")
    titled = make_article(agent, title="VPN keeps disconnecting", body="Check your client.")
    make_article(agent, title="Printers", body="Paper jams.")
    found = article_search(tenant=agent.tenant, membership=None, q="vpn")
    assert found == [titled, body_only]


def test_web_search_syntax_excludes_words(agent):
    make_article(agent, title="VPN on Windows", body="Windows client.")
    mac = make_article(agent, title="VPN on macOS", body="Mac client.")
    found = article_search(tenant=agent.tenant, membership=None, q="vpn -windows")
    assert found == [mac]


def test_search_is_scoped_to_the_tenant(agent, outsider):
    make_article(outsider, title="VPN setup")
    assert article_search(tenant=agent.tenant, membership=None, q="vpn") == []


def test_visibility_rules(agent, client_user):
    public = make_article(agent, title="VPN public")
    clients = make_article(agent, title="VPN for clients", visibility=Visibility.CLIENTS)
    draft = make_article(agent, title="VPN draft", published=False)
    tenant = agent.tenant

    def seen(membership):
        return set(article_search(tenant=tenant, membership=membership, q="vpn",
                                  published_only=False))  # fmt: skip

    assert seen(None) == {public}
    assert seen(client_user) == {public, clients}
    assert seen(agent) == {public, clients, draft}
    with pytest.raises(Http404):
        article_get(tenant=tenant, membership=None, slug=clients.slug)
    with pytest.raises(Http404):
        article_get(tenant=tenant, membership=client_user, slug=draft.slug)
    assert article_get(tenant=tenant, membership=client_user, slug=clients.slug) == clients


def test_another_tenants_article_is_a_404(agent, outsider):
    theirs = make_article(outsider, title="Globex only", slug="globex-only")
    with pytest.raises(Http404):
        article_get(tenant=agent.tenant, membership=agent, slug=theirs.slug)


def test_any_word_search_ranks_the_article_matching_more_words_first(agent):
    reset = make_article(agent, title="Resetting your password", body="Use the reset link.")
    policy = make_article(agent, title="Password rules", body="Twelve characters.")
    found = article_search(tenant=agent.tenant, membership=None, any_word=True,
                           q="cannot reset my password!")  # fmt: skip
    assert found == [reset, policy]
    assert article_search(tenant=agent.tenant, membership=None, q="cannot reset my password") == []
