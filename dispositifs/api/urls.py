"""API v1 routes of this app (mounted under /api/v1/ by annuaire/urls.py)."""

from django.urls import path

from .views import DispositifDetailView, DispositifListView, RechercheView

urlpatterns = [
    path("recherche/", RechercheView.as_view(), name="api-recherche"),
    path("dispositifs/", DispositifListView.as_view(), name="api-dispositifs"),
    path("dispositifs/<int:pk>/", DispositifDetailView.as_view(), name="api-dispositif"),
]
