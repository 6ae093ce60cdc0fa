"""A ladder's levels are numbered 1..n without gaps: the climb goes from level n to n + 1, so a
gap (a middle level deleted, a level saved at position 5 of 2) would stop every escalation
below it for good, and a ladder without a level 1 would never escalate to anyone named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from escalation import configuration, services
from escalation.models import Escalation, EscalationLevel, Source, Status, TargetKind
from escalation.scan import escalation_scan_cross_tenant
from tenants.roles import Role
from tests.conftest import login_as

from .factories import ladder, role_level, ticket_for
from .test_services import MONDAY_4PM


@pytest.fixture
def three(tenant, lead, manager, executive):
    return ladder(
        tenant,
        [role_level(Role.TEAM_LEAD, name="Lead"), role_level(Role.MANAGER, name="Manager"),
         role_level(Role.EXECUTIVE, name="Exec")],
    )  # fmt: skip


def positions(row) -> list[tuple[int, str]]:
    return list(
        EscalationLevel.objects.filter(ladder=row)
        .order_by("position")
        .values_list("position", "name")
    )


@pytest.mark.django_db
def test_deleting_a_middle_level_closes_the_gap_and_the_climb_reaches_the_top(
    tenant, client_user, executive, three
):
    ticket = ticket_for(tenant, requester=client_user)
    escalation = services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST, reason="x",
        requested_by=client_user, at=MONDAY_4PM,
    )  # fmt: skip
    middle = EscalationLevel.objects.get(ladder=three, position=2)
    configuration.level_delete(tenant=tenant, level=middle)
    assert positions(three) == [(1, "Lead"), (2, "Exec")]

    escalation_scan_cross_tenant(now=escalation.acknowledge_by)
    escalation.refresh_from_db()
    assert escalation.level.name == "Exec" and escalation.level_number == 2
    assert escalation.status == Status.OPEN


@pytest.mark.django_db
def test_an_active_escalation_above_a_deleted_level_keeps_its_number_in_step(
    tenant, client_user, three
):
    ticket = ticket_for(tenant, requester=client_user)
    escalation = services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST, reason="x",
        requested_by=client_user, at=MONDAY_4PM,
    )  # fmt: skip
    services.escalation_climb(tenant=tenant, escalation=escalation, at=escalation.acknowledge_by)
    escalation.refresh_from_db()
    assert escalation.level_number == 2
    first = EscalationLevel.objects.get(ladder=three, position=1)
    configuration.level_delete(tenant=tenant, level=first)
    escalation.refresh_from_db()
    assert escalation.level.name == "Manager" and escalation.level_number == 1
    # One more missed acknowledgement: up to the executive, now level 2.
    services.escalation_climb(tenant=tenant, escalation=escalation,
                              at=escalation.acknowledge_by + timedelta(seconds=1))  # fmt: skip
    escalation.refresh_from_db()
    assert escalation.level.name == "Exec" and escalation.level_number == 2


@pytest.mark.django_db
@pytest.mark.parametrize("position", [5, 7])
def test_a_new_level_leaving_a_gap_is_refused_on_position(tenant, three, position):
    with pytest.raises(ValidationError) as error:
        configuration.level_save(
            tenant=tenant, ladder=three,
            data={"position": position, "name": "Far", "target_kind": TargetKind.ROLE,
                  "target_role": Role.MANAGER, "acknowledge_within": timedelta(hours=1)},
        )  # fmt: skip
    assert "position" in error.value.message_dict


@pytest.mark.django_db
def test_the_next_position_is_accepted_and_a_move_that_leaves_a_gap_is_not(tenant, three):
    configuration.level_save(
        tenant=tenant, ladder=three,
        data={"position": 4, "name": "Board", "target_kind": TargetKind.ROLE,
              "target_role": Role.MANAGER, "acknowledge_within": timedelta(hours=1)},
    )  # fmt: skip
    assert [p for p, _ in positions(three)] == [1, 2, 3, 4]
    top = EscalationLevel.objects.get(ladder=three, position=4)
    with pytest.raises(ValidationError) as error:
        configuration.level_save(tenant=tenant, ladder=three, level=top, data={"position": 6})
    assert "position" in error.value.message_dict
    first = EscalationLevel.objects.get(ladder=three, position=1)
    with pytest.raises(ValidationError):
        configuration.level_save(tenant=tenant, ladder=three, level=first, data={"position": 5})
    assert [p for p, _ in positions(three)] == [1, 2, 3, 4]


@pytest.mark.django_db
def test_the_settings_page_says_which_position_is_free(client, tenant, tenant_admin, three):
    login_as(client, tenant_admin)
    response = client.post(
        f"/settings/escalation/{three.pk}/levels/new/",
        {"position": 7, "name": "Far", "target_kind": "role", "target_role": "manager",
         "acknowledge_hours": "2"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "position" in response.context["form"].errors
    assert "4" in " ".join(response.context["form"].errors["position"])
    assert Escalation.objects.count() == 0 and len(positions(three)) == 3
