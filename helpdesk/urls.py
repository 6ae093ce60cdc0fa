from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from tenants import views as tenant_views
from tenants.api_views import ObtainTokenView

from . import views

api_patterns = [
    path("token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("sla.api_urls")),
    path("", include("escalation.api_urls")),
    path("", include("tickets.api_urls")),
    path("", include("escalation.reports.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("tenants.urls")),
    path("organisation/", tenant_views.organisation_contacts, name="organisation_contacts"),
    path("", include("sla.urls")),
    path("", include("escalation.urls")),  # before tickets': it serves tickets/<ref>/escalate/
    path("", include("notifications.outbound.urls")),
    path("", include("tickets.urls")),
    path("", include("kb.urls")),
    path("", include("escalation.reports.urls")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
]
