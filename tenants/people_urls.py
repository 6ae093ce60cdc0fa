from django.urls import path

from . import people_views as v

app_name = "people"

urlpatterns = [
    path("settings/people/", v.people, name="people"),
    path("settings/people/invite/", v.people_invite, name="invite"),
    path("settings/people/<int:member_id>/", v.member_edit, name="member_edit"),
    path("settings/people/<int:member_id>/deactivate/", v.member_deactivate,
         name="member_deactivate"),
    path("settings/people/<int:member_id>/reactivate/", v.member_reactivate,
         name="member_reactivate"),
    path("settings/people/invitations/<int:invitation_id>/resend/", v.invitation_resend_view,
         name="invitation_resend"),
    path("settings/people/invitations/<int:invitation_id>/cancel/", v.invitation_cancel_view,
         name="invitation_cancel"),
    path("settings/customers/", v.customers, name="customers"),
    path("settings/customers/new/", v.customer_new, name="customer_new"),
    path("settings/customers/<int:customer_id>/", v.customer_edit, name="customer_edit"),
    path("organisation/people/", v.organisation_people, name="organisation_people"),
    path("organisation/people/invite/", v.organisation_invite, name="organisation_invite"),
    path("organisation/people/<int:member_id>/deactivate/", v.organisation_deactivate,
         name="organisation_deactivate"),
    path("organisation/people/invitations/<int:invitation_id>/cancel/",
         v.organisation_invitation_cancel, name="organisation_invitation_cancel"),
]  # fmt: skip
