"""API v1 routes of this app (mounted under /api/v1/ by annuaire/urls.py)."""

from django.urls import path

from .views import RechercheView
from .write import DispositifCollectionView, DispositifItemView

urlpatterns = [
    path("recherche/", RechercheView.as_view(), name="api-recherche"),
    path("dispositifs/", DispositifCollectionView.as_view(), name="api-dispositifs"),
    path("dispositifs/<int:pk>/", DispositifItemView.as_view(), name="api-dispositif"),
]
