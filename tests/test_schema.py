"""The OpenAPI schema: valid, warning-free, and served to signed-in members."""

from __future__ import annotations

import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

from tests.conftest import login_as


def test_the_schema_generates_without_warnings_and_validates(db, tmp_path):
    out = tmp_path / "schema.yaml"
    # The warning counter is process-wide and the command never clears it: start from zero so
    # only this generation's warnings count, not those of a schema another test fetched.
    GENERATOR_STATS.reset()
    # --fail-on-warn raises on any generator warning (an unresolved type, an operationId
    # collision, one choice set under two enum names); --validate checks OpenAPI compliance.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/tickets/" in schema["paths"] and "/api/sla/plans/" in schema["paths"]
    operation_ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_a_signed_in_member_gets_the_schema(tenant_client, agent):
    login_as(tenant_client, agent)
    response = tenant_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert {"/api/tickets/", "/api/tickets/{reference}/"} <= set(paths)
    assert {"/api/sla/plans/", "/api/sla/calendars/", "/api/sla/priorities/"} <= set(paths)


def test_the_escalation_endpoints_document_their_errors_and_filters(db, tmp_path):
    """A client reading the schema learns every answer these endpoints give: bad input (400),
    someone else's escalation or ticket (404), a second open request (409); and every filter
    the list accepts."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    listing = paths["/api/escalations/"]["get"]
    assert "400" in listing["responses"]
    filters = {p["name"] for p in listing["parameters"] if p["in"] == "query"}
    assert {"ticket", "status", "level", "source", "customer", "priority", "owner"} <= filters
    for action in ("acknowledge", "resolve"):
        answers = paths[f"/api/escalations/{{escalation_id}}/{action}/"]["post"]["responses"]
        assert {"200", "400", "404"} <= set(answers), action
    escalate = paths["/api/tickets/{reference}/escalate/"]["post"]["responses"]
    assert {"201", "400", "404", "409"} <= set(escalate)
