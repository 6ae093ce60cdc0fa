"""People and customer organisations, without the Django admin.

Tenant admins: /settings/people/ (members, invitations, roles, deactivation) and
/settings/customers/. Client admins: /organisation/people/ (their own organisation's
colleagues). Everyone else gets a 404 (tenants.access). Views are thin: the rules live in
tenants.services, tenants.invitations and tenants.selectors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import member_required
from .forms import ColleagueInviteForm, CustomerForm, InviteForm, MemberFilterForm, MembershipForm
from .invitations import InvitationError, invitation_cancel, invitation_create, invitation_resend
from .models import Customer
from .roles import Perm


def _errors_into(form: Any, error: ValidationError | InvitationError) -> None:
    """A service's refusal onto the form: field errors where the form has the field."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))


# --- tenant admins: people ----------------------------------------------------------------------


def _people_page(
    request: HttpRequest,
    *,
    invite_form: InviteForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    tenant = request.tenant
    filters = MemberFilterForm(request.GET or None, tenant=tenant)
    criteria: dict[str, Any] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        active = {"yes": True, "no": False}.get(data["active"])
        criteria = {"kind": data["kind"], "role": data["role"], "customer": data["customer"],
                    "active": active}  # fmt: skip
    elif filters.is_bound:
        status = 400
    context = {
        "filters": filters,
        "members": selectors.members_list(tenant=tenant, **criteria),
        "invitations": selectors.invitations_pending(tenant=tenant),
        "form": invite_form or InviteForm(tenant=tenant),
        "error": error,
    }
    return render(request, "tenants/people.html", context, status=status)


@member_required(Perm.SETTINGS_MANAGE)
def people(request: HttpRequest) -> HttpResponse:
    return _people_page(request)


@member_required(Perm.SETTINGS_MANAGE)
@require_POST
def people_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        data = form.cleaned_data
        try:
            link = invitation_create(
                tenant=request.tenant, email=data["email"], role=data["role"],
                tier=data["tier"], customer=data["customer"], invited_by=request.user,
            )  # fmt: skip
        except InvitationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, f"Invitation sent to {link.invitation.email}.")
            return redirect("people:people")
    return _people_page(request, invite_form=form, status=400)


@member_required(Perm.SETTINGS_MANAGE)
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.member_get(tenant=request.tenant, pk=member_id)
    initial = {"role": member.role, "tier": member.tier, "customer": member.customer}
    form = MembershipForm(request.POST or None, tenant=request.tenant, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.membership_update(
                    tenant=request.tenant, membership=member, role=data["role"],
                    tier=data["tier"], customer=data["customer"], actor=request.user,
                )  # fmt: skip
            except ValidationError as error:
                _errors_into(form, error)
            else:
                messages.success(request, f"{member.user.email}: membership saved.")
                return redirect("people:people")
        return render(request, "tenants/member_edit.html",
                      {"form": form, "member": member}, status=400)  # fmt: skip
    return render(request, "tenants/member_edit.html", {"form": form, "member": member})


@member_required(Perm.SETTINGS_MANAGE)
@require_POST
def member_deactivate(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.member_get(tenant=request.tenant, pk=member_id)
    try:
        services.membership_deactivate(tenant=request.tenant, membership=member)
    except ValidationError as error:
        return _people_page(request, error=" ".join(error.messages), status=400)
    messages.success(request, f"{member.user.email} deactivated: signed out, tokens revoked.")
    return redirect("people:people")


@member_required(Perm.SETTINGS_MANAGE)
@require_POST
def member_reactivate(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.member_get(tenant=request.tenant, pk=member_id)
    services.membership_reactivate(tenant=request.tenant, membership=member)
    messages.success(request, f"{member.user.email} reactivated.")
    return redirect("people:people")


@member_required(Perm.SETTINGS_MANAGE)
@require_POST
def invitation_resend_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get(tenant=request.tenant, pk=invitation_id)
    try:
        invitation_resend(tenant=request.tenant, invitation=invitation, actor=request.user)
    except InvitationError as error:
        return _people_page(request, error=str(error), status=400)
    messages.success(request, f"Invitation sent again to {invitation.email}.")
    return redirect("people:people")


@member_required(Perm.SETTINGS_MANAGE)
@require_POST
def invitation_cancel_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get(tenant=request.tenant, pk=invitation_id)
    invitation_cancel(tenant=request.tenant, invitation=invitation)
    messages.success(request, f"Invitation to {invitation.email} cancelled.")
    return redirect("people:people")


# --- tenant admins: customers -------------------------------------------------------------------


@member_required(Perm.SETTINGS_MANAGE)
def customers(request: HttpRequest) -> HttpResponse:
    context = {"customers": selectors.customers_list(tenant=request.tenant)}
    return render(request, "tenants/customers.html", context)


@member_required(Perm.SETTINGS_MANAGE)
def customer_new(request: HttpRequest) -> HttpResponse:
    return _customer_form(request, None)


@member_required(Perm.SETTINGS_MANAGE)
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _customer_form(request, selectors.customer_get(tenant=request.tenant, pk=customer_id))


def _customer_form(request: HttpRequest, customer: Customer | None) -> HttpResponse:
    initial = {}
    if customer is not None:
        initial = {
            "name": customer.name, "plan": customer.plan_id,
            "email_domains": "\n".join(customer.email_domains),
            "account_manager": customer.account_manager_id,
            "primary_contact": customer.primary_contact_id,
            "secondary_contact": customer.secondary_contact_id,
        }  # fmt: skip
    form = CustomerForm(request.POST or None, tenant=request.tenant, customer=customer,
                        initial=initial)  # fmt: skip
    context = {"form": form, "customer": customer}
    if request.method != "POST":
        return render(request, "tenants/customer_edit.html", context)
    if form.is_valid():
        try:
            saved = services.customer_save(tenant=request.tenant, customer=customer,
                                           **form.cleaned_data)  # fmt: skip
        except ValidationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, f"{saved.name} saved.")
            return redirect("people:customers")
    return render(request, "tenants/customer_edit.html", context, status=400)


# --- client admins: their own organisation ------------------------------------------------------


def _own_customer(request: HttpRequest) -> Customer:
    return selectors.customer_get(tenant=request.tenant, pk=request.membership.customer_id)


def _organisation_page(
    request: HttpRequest,
    *,
    form: ColleagueInviteForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    customer = _own_customer(request)
    context = {
        "customer": customer,
        "members": selectors.members_list(tenant=request.tenant, customer=customer),
        "invitations": selectors.invitations_pending(tenant=request.tenant, customer=customer),
        "form": form or ColleagueInviteForm(),
        "error": error,
    }
    return render(request, "tenants/organisation_people.html", context, status=status)


@member_required(Perm.CUSTOMER_CONTACTS_MANAGE)
def organisation_people(request: HttpRequest) -> HttpResponse:
    return _organisation_page(request)


@member_required(Perm.CUSTOMER_CONTACTS_MANAGE)
@require_POST
def organisation_invite(request: HttpRequest) -> HttpResponse:
    form = ColleagueInviteForm(request.POST)
    if form.is_valid():
        try:
            # Always into the inviter's own organisation: the form has no customer field.
            link = invitation_create(
                tenant=request.tenant, email=form.cleaned_data["email"],
                role=form.cleaned_data["role"], customer=_own_customer(request),
                invited_by=request.user,
            )  # fmt: skip
        except InvitationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, f"Invitation sent to {link.invitation.email}.")
            return redirect("people:organisation_people")
    return _organisation_page(request, form=form, status=400)


@member_required(Perm.CUSTOMER_CONTACTS_MANAGE)
@require_POST
def organisation_deactivate(request: HttpRequest, member_id: int) -> HttpResponse:
    customer = _own_customer(request)
    member = selectors.member_get(tenant=request.tenant, pk=member_id, customer=customer)
    try:
        services.colleague_deactivate(tenant=request.tenant, customer=customer,
                                      membership=member, actor=request.user)  # fmt: skip
    except ValidationError as error:
        return _organisation_page(request, error=" ".join(error.messages), status=400)
    messages.success(request, f"{member.user.email} deactivated.")
    return redirect("people:organisation_people")


@member_required(Perm.CUSTOMER_CONTACTS_MANAGE)
@require_POST
def organisation_invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    customer = _own_customer(request)
    invitation = selectors.invitation_get(tenant=request.tenant, pk=invitation_id,
                                          customer=customer)  # fmt: skip
    invitation_cancel(tenant=request.tenant, invitation=invitation)
    messages.success(request, f"Invitation to {invitation.email} cancelled.")
    return redirect("people:organisation_people")
