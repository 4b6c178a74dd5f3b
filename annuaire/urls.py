from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from annuaire.health import healthz

admin.site.site_header = "Annuaire — administration"
admin.site.site_title = "Annuaire"


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its set-up script as a file: no inline script, so the strict CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="health"),
    path("api/v1/", include("dispositifs.api.urls")),
    path("api/v1/", include("comptes.api_urls")),
    path("api/v1/", include("territoires.api.urls")),
    path("api/v1/", include("maps.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("annuaire.web_urls")),
]

handler400 = "annuaire.errors.bad_request"
handler403 = "annuaire.errors.permission_denied"
handler404 = "annuaire.errors.not_found"
handler500 = "annuaire.errors.server_error"
