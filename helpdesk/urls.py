from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from tenants import views as tenant_views
from tenants.api_views import MyToken, MyTokens, ObtainTokenView

from . import views

API_DOCS_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}

api_patterns = [
    path("token/", ObtainTokenView.as_view(), name="api-token"),
    path("tokens/", MyTokens.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/", MyToken.as_view(), name="api-token-revoke"),
    path("", include("sla.api_urls")),
    path("", include("escalation.api_urls")),
    path("", include("tickets.api_urls")),
    path("", include("escalation.reports.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The bundled Swagger UI and Redoc style themselves inline and Redoc runs a blob: worker:
    # these two pages, and only they, allow that. Scripts stay 'self' (the split view serves
    # Swagger's start-up script as a file, not inline).
    path(
        "docs/",
        csp_update(API_DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "redoc/",
        csp_update(API_DOCS_CSP)(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("tenants.urls")),
    path("organisation/", tenant_views.organisation_contacts, name="organisation_contacts"),
    path("", include("tenants.people_urls")),
    path("", include("sla.urls")),
    path("", include("escalation.urls")),  # before tickets': it serves tickets/<ref>/escalate/
    path("", include("notifications.outbound.urls")),
    path("", include("satisfaction.urls")),
    path("", include("tickets.urls")),
    path("", include("kb.urls")),
    path("", include("escalation.reports.urls")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("anymail/", include("notifications.inbound.webhook_urls")),
    path("", include("notifications.inbound.urls")),
]
