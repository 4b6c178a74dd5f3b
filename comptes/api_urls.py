"""API v1 routes of the catalogue (mounted under /api/v1/ by annuaire/urls.py): the read views of
dispositifs/api/views.py, with writes for token holders (comptes/api.py)."""

from django.urls import path

from .api import DispositifCollectionView, DispositifItemView

urlpatterns = [
    path("dispositifs/", DispositifCollectionView.as_view(), name="api-dispositifs"),
    path("dispositifs/<int:pk>/", DispositifItemView.as_view(), name="api-dispositif"),
]
