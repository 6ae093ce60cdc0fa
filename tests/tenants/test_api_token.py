from tests.conftest import PASSWORD


def test_a_member_trades_credentials_for_a_token_that_authenticates(tenant_client, agent):
    response = tenant_client.post(
        "/api/token/",
        {"email": agent.user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    tenant_client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    assert tenant_client.get("/api/docs/").status_code == 200
    tenant_client.defaults["HTTP_AUTHORIZATION"] = "Token nonsense"
    assert tenant_client.get("/api/docs/").status_code in (401, 403)


def test_a_token_is_refused_on_another_tenants_host(client, tenant, agent, outsider):
    response = client.post(
        "/api/token/",
        {"email": outsider.user.email, "password": PASSWORD},
        content_type="application/json",
        HTTP_HOST="acme.localhost",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_bad_input_gets_field_errors(tenant_client, db):
    response = tenant_client.post(
        "/api/token/", {"email": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_malformed_json_is_a_400(tenant_client, db):
    response = tenant_client.post("/api/token/", "{not json", content_type="application/json")
    assert response.status_code == 400
