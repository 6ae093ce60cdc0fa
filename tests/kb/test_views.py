from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from kb.models import Article, ArticleFeedback, ArticleStatus, SuggestionClick, Visibility
from tests.conftest import host, login_as
from tests.kb.factories import make_article
from tests.tickets.factories import category, sla_config

pytestmark = pytest.mark.django_db


# -- portal ---------------------------------------------------------------------------------


def test_anonymous_visitors_read_public_articles_without_signing_in(client, agent):
    public = make_article(agent, title="VPN setup", body="Install the **client**.")
    clients = make_article(agent, title="Billing portal", visibility=Visibility.CLIENTS)
    draft = make_article(agent, title="Unfinished", published=False)
    index = client.get("/kb/", HTTP_HOST=host(agent.tenant))
    assert index.status_code == 200
    assert b"VPN setup" in index.content
    assert b"Billing portal" not in index.content and b"Unfinished" not in index.content
    page = client.get(f"/kb/articles/{public.slug}/", HTTP_HOST=host(agent.tenant))
    assert page.status_code == 200 and b"<strong>client</strong>" in page.content
    for hidden in (clients, draft):
        response = client.get(f"/kb/articles/{hidden.slug}/", HTTP_HOST=host(agent.tenant))
        assert response.status_code == 404


def test_signed_in_clients_see_clients_only_articles_but_not_drafts(client, agent, client_user):
    clients = make_article(agent, title="Billing portal", visibility=Visibility.CLIENTS)
    draft = make_article(agent, title="Unfinished", published=False)
    login_as(client, client_user)
    assert client.get(f"/kb/articles/{clients.slug}/").status_code == 200
    assert client.get(f"/kb/articles/{draft.slug}/").status_code == 404
    index = client.get("/kb/")
    assert b"Billing portal" in index.content and b"Unfinished" not in index.content


def test_another_tenants_article_is_a_404_on_this_host(client, agent, outsider):
    theirs = make_article(outsider, title="Globex secrets", slug="globex-secrets")
    response = client.get(f"/kb/articles/{theirs.slug}/", HTTP_HOST=host(agent.tenant))
    assert response.status_code == 404
    search = client.get("/kb/?q=globex", HTTP_HOST=host(agent.tenant))
    assert b"Globex secrets" not in search.content


def test_portal_search_ranks_and_scopes(client, agent):
    make_article(agent, title="Printers", body="Paper jams.")
    make_article(agent, title="Network", body="When the VPN drops, reconnect.")
    make_article(agent, title="VPN troubleshooting", body="Steps.")
    response = client.get("/kb/?q=vpn", HTTP_HOST=host(agent.tenant))
    text = response.content.decode()
    assert "Printers" not in text
    assert text.index("VPN troubleshooting") < text.index("Network")


def test_feedback_counts_one_vote_per_session(client, agent, manager):
    article = make_article(agent)
    url = f"/kb/articles/{article.slug}/feedback/"
    h = host(agent.tenant)
    assert client.post(url, {"helpful": "yes"}, HTTP_HOST=h).status_code == 302
    assert client.post(url, {"helpful": "yes"}, HTTP_HOST=h).status_code == 302
    assert ArticleFeedback.objects.for_tenant(agent.tenant).filter(helpful=True).count() == 1
    other = client.__class__()
    other.post(url, {"helpful": "no"}, HTTP_HOST=h)
    login_as(other, manager)
    other.post(url, {"helpful": "yes"})
    votes = ArticleFeedback.objects.for_tenant(agent.tenant)
    assert votes.count() == 3
    page = other.get(f"/kb/articles/{article.slug}/")
    assert b"2 found it helpful, 1 did not" in page.content


def test_feedback_without_a_choice_is_a_400(client, agent):
    article = make_article(agent)
    response = client.post(
        f"/kb/articles/{article.slug}/feedback/", {"helpful": "maybe"}, HTTP_HOST=host(agent.tenant)
    )
    assert response.status_code == 400
    assert b"Choose yes or no" in response.content


# -- suggestions and deflection --------------------------------------------------------------


def test_suggestions_fragment_lists_matching_visible_articles(client, agent, client_user):
    make_article(agent, title="Resetting your password", body="Use the reset link.")
    make_article(agent, title="Password policy draft", published=False)
    make_article(agent, title="Printers", body="Paper.")
    login_as(client, client_user)
    token = uuid.uuid4().hex
    response = client.get(
        "/kb/suggest/", {"subject": "cannot reset password", "submission_token": token}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Resetting your password" in text and f"?from={token}" in text
    assert "draft" not in text and "Printers" not in text and "<html" not in text
    empty = client.get("/kb/suggest/", {"subject": "zz"})
    assert empty.content.strip() == b""


def test_suggestions_need_a_client_signed_in(client, agent, outsider):
    make_article(agent)
    response = client.get("/kb/suggest/?q=password", HTTP_HOST=host(agent.tenant))
    assert response.status_code == 302
    login_as(client, outsider)  # another tenant's admin on their own host sees nothing of ours
    assert b"Resetting" not in client.get("/kb/suggest/?q=password").content


def _new_ticket(client, token):
    return client.post("/tickets/new/", {
        "subject": "Password reset mail never arrives", "description": "Tried twice.",
        "priority": "low", "category": "technical", "submission_token": token,
    })  # fmt: skip


def test_a_client_who_reads_a_suggestion_and_leaves_is_a_deflection(
    client, agent, client_user, customer
):
    sla_config(customer.tenant, customer.plan)
    category(customer.tenant)
    article = make_article(agent)
    left, submitted = uuid.uuid4().hex, uuid.uuid4().hex
    start = datetime(2026, 3, 10, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        login_as(client, client_user)
        for token in (left, left, submitted):  # opening it twice is still one form
            assert client.get(f"/kb/articles/{article.slug}/?from={token}").status_code == 200
        assert _new_ticket(client, submitted).status_code == 302
    assert SuggestionClick.objects.for_tenant(agent.tenant).count() == 2

    staff = client.__class__()
    login_as(staff, agent)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        # Still within the grace period: the client may yet come back and submit.
        assert b"data-deflected>0<" in staff.get("/kb/manage/").content
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert b"data-deflected>1<" in staff.get("/kb/manage/").content
    # The submitted form stays un-deflected after its idempotency record is swept.
    from ops.models import IdempotencyRecord

    IdempotencyRecord.objects.for_tenant(agent.tenant).delete()
    with time_machine.travel(start + timedelta(days=3), tick=False):
        assert b"data-deflected>1<" in staff.get("/kb/manage/").content
    with time_machine.travel(datetime(2026, 4, 2, 12, tzinfo=UTC), tick=False):
        assert b"data-deflected>0<" in staff.get("/kb/manage/").content  # a new month


def test_staff_opening_an_article_with_a_token_is_not_a_click(client, agent):
    article = make_article(agent)
    login_as(client, agent)
    client.get(f"/kb/articles/{article.slug}/?from={uuid.uuid4().hex}")
    assert not SuggestionClick.objects.for_tenant(agent.tenant).exists()


# -- staff pages -----------------------------------------------------------------------------


def test_an_agent_creates_previews_edits_and_publishes(client, agent):
    login_as(client, agent)
    data = {"title": "Exporting reports", "body": "Press **Export**.", "visibility": "public"}
    preview = client.post("/kb/manage/new/", {**data, "action": "preview"})
    assert preview.status_code == 200 and b"<strong>Export</strong>" in preview.content
    assert not Article.objects.for_tenant(agent.tenant).exists()
    response = client.post("/kb/manage/new/", {**data, "action": "save"})
    article = Article.objects.for_tenant(agent.tenant).get()
    assert response.status_code == 302 and response["Location"] == f"/kb/manage/{article.pk}/"
    assert article.status == ArticleStatus.DRAFT and article.author == agent
    client.post(f"/kb/manage/{article.pk}/", {**data, "body": "Press Export, then Save."})
    client.post(f"/kb/manage/{article.pk}/publish/", {"publish": "1"})
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.body.endswith("Save.")
    client.post(f"/kb/manage/{article.pk}/publish/", {"publish": "0"})
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT
    listing = client.get("/kb/manage/")
    assert b"Exporting reports" in listing.content


def test_tenant_admins_may_write_too(client, tenant_admin):
    login_as(client, tenant_admin)
    assert client.get("/kb/manage/new/").status_code == 200


def test_bad_input_is_a_400_with_field_errors(client, agent, outsider):
    login_as(client, agent)
    make_article(agent, slug="taken")
    theirs = category(outsider.tenant, key="theirs")
    response = client.post("/kb/manage/new/", {"title": "", "body": "x", "visibility": "secret",
                                               "category": theirs.pk})  # fmt: skip
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"title", "visibility", "category"} <= set(errors)
    clash = client.post("/kb/manage/new/", {"title": "A", "body": "b", "visibility": "public",
                                            "slug": "taken"})  # fmt: skip
    assert clash.status_code == 400 and "slug" in clash.context["form"].errors
    article = Article.objects.for_tenant(agent.tenant).get()
    assert client.post(f"/kb/manage/{article.pk}/publish/", {"publish": "x"}).status_code == 400


def test_clients_cannot_reach_the_manage_pages(client, agent, client_user):
    article = make_article(agent)
    login_as(client, client_user)
    for url in ("/kb/manage/", "/kb/manage/new/", f"/kb/manage/{article.pk}/",
                "/kb/manage/picker/?q=password"):  # fmt: skip
        assert client.get(url).status_code == 404
    assert client.post(f"/kb/manage/{article.pk}/publish/", {"publish": "0"}).status_code == 404


def test_another_tenants_admin_gets_404_for_our_article(client, agent, outsider):
    article = make_article(agent)
    login_as(client, outsider)
    assert client.get(f"/kb/manage/{article.pk}/").status_code == 404
    assert client.post(f"/kb/manage/{article.pk}/publish/", {"publish": "0"}).status_code == 404
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED


def test_the_picker_returns_absolute_article_urls(client, agent):
    make_article(agent, title="Resetting your password")
    login_as(client, agent)
    response = client.get("/kb/manage/picker/?q=password")
    assert b'data-kb-insert="http://acme.localhost/kb/articles/resetting-your-password/"' in (
        response.content
    )


def test_the_work_page_offers_the_picker(client, agent, client_user, customer):
    from tests.tickets.factories import make_ticket

    sla_config(customer.tenant, customer.plan)
    ticket = make_ticket(client_user)
    login_as(client, agent)
    page = client.get(f"/work/{ticket.reference}/")
    assert b"data-kb-picker" in page.content and b"js/kb_picker" in page.content


def test_the_new_ticket_form_asks_for_suggestions(client, client_user, customer):
    sla_config(customer.tenant, customer.plan)
    login_as(client, client_user)
    page = client.get("/tickets/new/")
    assert b'hx-get="/kb/suggest/"' in page.content


def test_the_hourly_task_settles_submitted_forms_before_their_keys_are_swept(
    client, agent, client_user, customer
):
    from kb.tasks import suggestion_clicks_settle_cross_tenant
    from ops.models import IdempotencyRecord
    from ops.tasks import idempotency_cleanup_cross_tenant

    sla_config(customer.tenant, customer.plan)
    category(customer.tenant)
    article = make_article(agent)
    token = uuid.uuid4().hex
    start = datetime(2026, 5, 4, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        login_as(client, client_user)
        client.get(f"/kb/articles/{article.slug}/?from={token}")
        _new_ticket(client, token)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert suggestion_clicks_settle_cross_tenant.apply().get() == 1
    with time_machine.travel(start + timedelta(days=2), tick=False):
        idempotency_cleanup_cross_tenant.apply().get()
        assert not IdempotencyRecord.objects.for_tenant(agent.tenant).exists()
        staff = client.__class__()
        login_as(staff, agent)
        assert b"data-deflected>0<" in staff.get("/kb/manage/").content


def test_list_pages_query_counts_do_not_grow_with_articles(
    client, agent, django_assert_num_queries
):
    for n in range(12):
        make_article(
            agent, title=f"Article number {n}", category=category(agent.tenant, key=f"c{n}")
        )
    login_as(client, agent)
    # session, user and membership, then one query for the articles (12 of them, with their
    # categories); the manage page adds the settle UPDATE and the deflection count.
    with django_assert_num_queries(4):
        assert client.get("/kb/").status_code == 200
    with django_assert_num_queries(5):
        assert client.get("/kb/manage/").status_code == 200


def test_search_text_postgresql_cannot_take_is_a_400(client, agent, client_user):
    make_article(agent)
    h = host(agent.tenant)
    response = client.get("/kb/", {"q": "pass\x00word"}, HTTP_HOST=h)
    assert response.status_code == 400  # refused at the door (tenants.input_guard)
    login_as(client, client_user)
    assert client.get("/kb/suggest/", {"subject": "a\x00b"}).status_code == 400
    assert client.get("/kb/suggest/", {"subject": "x" * 501}).status_code == 400
    login_as(client, agent)
    assert client.get("/kb/manage/picker/", {"q": "a\x00b"}).status_code == 400


def test_a_malformed_form_token_records_no_click(client, agent, client_user):
    article = make_article(agent)
    login_as(client, client_user)
    for token in ("t1", "A" * 32, "0" * 300):
        assert client.get(f"/kb/articles/{article.slug}/", {"from": token}).status_code == 200
    # A control character never reaches the view: the input guard answers 400.
    assert client.get(f"/kb/articles/{article.slug}/", {"from": "a\x00b" * 6}).status_code == 400
    assert not SuggestionClick.objects.for_tenant(agent.tenant).exists()
