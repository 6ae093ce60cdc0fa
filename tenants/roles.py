"""Roles and what each may do: the one place where roles map to permissions."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    CLIENT_ADMIN = "client_admin", "Client admin"
    AGENT = "agent", "Agent"
    TEAM_LEAD = "team_lead", "Team lead"
    MANAGER = "manager", "Manager"
    EXECUTIVE = "executive", "Executive"
    TENANT_ADMIN = "tenant_admin", "Tenant admin"


CLIENT_ROLES = frozenset({Role.CLIENT, Role.CLIENT_ADMIN})
STAFF_ROLES = frozenset(
    {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.EXECUTIVE, Role.TENANT_ADMIN}
)
MANAGEMENT_ROLES = frozenset({Role.TEAM_LEAD, Role.MANAGER, Role.EXECUTIVE, Role.TENANT_ADMIN})


class Perm:
    """Permission names. Code asks `membership.can(Perm.X)`, never compares roles itself."""

    PORTAL_USE = "portal.use"
    TICKET_CREATE = "ticket.create"
    TICKET_VIEW_OWN = "ticket.view_own"
    TICKET_VIEW_ORGANISATION = "ticket.view_organisation"
    TICKET_VIEW_ALL = "ticket.view_all"
    TICKET_WORK = "ticket.work"  # reply as agent, internal notes, status, assignment
    TICKET_LOG_ON_BEHALF = "ticket.log_on_behalf"
    TICKET_BULK = "ticket.bulk"
    ESCALATION_REQUEST = "escalation.request"
    ESCALATION_MANAGE = "escalation.manage"
    # Escalations: raise one from the work page; see and act on those whose level names you
    # (the dashboard); see and act on every escalation of the tenant.
    ESCALATION_RAISE = "escalation.raise"
    ESCALATION_HANDLE = "escalation.handle"
    ESCALATION_VIEW_ALL = "escalation.view_all"
    REPORTS_VIEW = "reports.view"
    CUSTOMER_CONTACTS_MANAGE = "customer.contacts_manage"
    SETTINGS_MANAGE = "settings.manage"


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CLIENT: frozenset(
        {Perm.PORTAL_USE, Perm.TICKET_CREATE, Perm.TICKET_VIEW_OWN, Perm.ESCALATION_REQUEST}
    ),
    Role.CLIENT_ADMIN: frozenset(
        {
            Perm.PORTAL_USE,
            Perm.TICKET_CREATE,
            Perm.TICKET_VIEW_OWN,
            Perm.TICKET_VIEW_ORGANISATION,
            Perm.ESCALATION_REQUEST,
            Perm.CUSTOMER_CONTACTS_MANAGE,
        }
    ),
    Role.AGENT: frozenset(
        {
            Perm.TICKET_VIEW_ALL,
            Perm.TICKET_WORK,
            Perm.TICKET_LOG_ON_BEHALF,
            Perm.TICKET_BULK,
            Perm.ESCALATION_RAISE,
            Perm.ESCALATION_HANDLE,
        }
    ),
}
ROLE_PERMISSIONS[Role.TEAM_LEAD] = ROLE_PERMISSIONS[Role.AGENT] | {
    Perm.ESCALATION_MANAGE,
    Perm.REPORTS_VIEW,
}
ROLE_PERMISSIONS[Role.MANAGER] = ROLE_PERMISSIONS[Role.TEAM_LEAD] | {Perm.ESCALATION_VIEW_ALL}
ROLE_PERMISSIONS[Role.EXECUTIVE] = ROLE_PERMISSIONS[Role.MANAGER]
ROLE_PERMISSIONS[Role.TENANT_ADMIN] = ROLE_PERMISSIONS[Role.MANAGER] | {Perm.SETTINGS_MANAGE}


def role_can(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
