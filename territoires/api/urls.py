"""API v1 routes of this app (mounted under /api/v1/ by annuaire/urls.py)."""

from django.urls import path

from .views import CommuneAutocompleteView, DepartementOutlinesView

urlpatterns = [
    path("territoires/communes/", CommuneAutocompleteView.as_view(), name="api-communes"),
    path("territoires/departements/", DepartementOutlinesView.as_view(), name="api-departements"),
]
