from tenants.middleware import tenant_for_host
from tests.conftest import login_as


def test_it_resolves_the_tenant_from_its_subdomain(tenant):
    assert tenant_for_host("acme.localhost:8000") == tenant
    assert tenant_for_host("ACME.localhost") == tenant


def test_it_resolves_a_custom_domain(tenant):
    tenant.custom_domain = "support.acme.example"
    tenant.save()
    assert tenant_for_host("Support.Acme.Example") == tenant


def test_an_unknown_host_is_a_404_page(client, db):
    response = client.get("/", HTTP_HOST="nobody.localhost")
    assert response.status_code == 404
    assert b"no helpdesk at this address" in response.content


def test_an_inactive_tenant_is_not_served(client, tenant):
    tenant.is_active = False
    tenant.save()
    assert client.get("/", HTTP_HOST="acme.localhost").status_code == 404


def test_a_signed_in_user_is_anonymous_on_a_tenant_they_do_not_belong_to(client, outsider, tenant):
    login_as(client, outsider)
    response = client.get("/", HTTP_HOST="acme.localhost")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_client_admin_names_the_support_contacts(client, client_admin, client_user):
    login_as(client, client_admin)
    response = client.post(
        "/organisation/",
        {"primary_contact": client_admin.pk, "secondary_contact": client_user.pk},
    )
    assert response.status_code == 302
    client_admin.customer.refresh_from_db()
    assert client_admin.customer.secondary_contact == client_user


def test_contacts_must_be_members_of_the_organisation(client, client_admin, other_client):
    login_as(client, client_admin)
    response = client.post(
        "/organisation/",
        {"primary_contact": client_admin.pk, "secondary_contact": other_client.pk},
    )
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


def test_a_plain_client_cannot_manage_contacts(client, client_user):
    login_as(client, client_user)
    assert client.get("/organisation/").status_code == 404


def test_it_caches_the_host_and_forgets_it_when_the_tenant_changes(
    client, tenant, django_assert_num_queries
):
    assert tenant_for_host("acme.localhost") == tenant
    with django_assert_num_queries(0):
        cached = tenant_for_host("acme.localhost")
    assert (cached.pk, cached.name, cached.slug) == (tenant.pk, tenant.name, tenant.slug)
    assert cached is not tenant_for_host("acme.localhost")  # a fresh copy per request
    tenant.slug = "acme-renamed"
    tenant.save()
    assert tenant_for_host("acme.localhost") is False
    assert tenant_for_host("acme-renamed.localhost") == tenant


def test_a_deleted_tenant_stops_resolving_at_once(tenant):
    assert tenant_for_host("acme.localhost") == tenant
    tenant.delete()
    assert tenant_for_host("acme.localhost") is False


def test_a_member_costs_one_query_for_user_and_membership(
    client, agent, django_assert_num_queries
):
    login_as(client, agent)
    client.get("/queue/")
    from tenants.middleware import MembershipMiddleware

    seen = {}

    def view(request):
        seen["user"], seen["membership"] = request.user, request.membership
        from django.http import HttpResponse

        return HttpResponse()

    from django.test import RequestFactory

    request = RequestFactory().get("/", HTTP_HOST="acme.localhost")
    request.session = client.session
    request.tenant = agent.tenant
    from django.contrib.auth.middleware import AuthenticationMiddleware

    AuthenticationMiddleware(lambda r: None).process_request(request)
    with django_assert_num_queries(1):
        MembershipMiddleware(view)(request)
        assert seen["user"] == agent.user and seen["user"].is_authenticated
    assert seen["membership"] == agent


def test_changing_the_password_signs_out_other_sessions(client, agent):
    login_as(client, agent)
    assert client.get("/queue/").status_code == 200
    user = agent.user
    user.set_password("a new long passphrase 42")
    user.save()
    response = client.get("/queue/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session  # flushed, as django.contrib.auth does


def test_a_session_signed_with_a_fallback_secret_is_upgraded(client, agent, settings):
    login_as(client, agent)
    old_hash = client.session["_auth_user_hash"]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-of-more-than-32-characters"
    assert client.get("/queue/").status_code == 200
    new_hash = client.session["_auth_user_hash"]
    assert new_hash and new_hash != old_hash


def test_a_deactivated_user_or_membership_is_anonymous(client, agent):
    login_as(client, agent)
    agent.is_active = False
    agent.save()
    assert client.get("/queue/").status_code == 302
    agent.is_active = True
    agent.save()
    assert client.get("/queue/").status_code == 200
    agent.user.is_active = False
    agent.user.save()
    assert client.get("/queue/").status_code == 302
