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
