from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "Annuaire — administration"
admin.site.site_title = "Annuaire"


def health(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", health, name="health"),
    path("api/v1/", include("dispositifs.api.urls")),
    path("api/v1/", include("territoires.api.urls")),
    path("api/v1/", include("maps.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("annuaire.web_urls")),
]

handler404 = "annuaire.errors.not_found"
handler500 = "annuaire.errors.server_error"
