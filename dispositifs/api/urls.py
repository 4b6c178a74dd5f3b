"""API v1 routes of this app (mounted under /api/v1/ by annuaire/urls.py). The catalogue,
/api/v1/dispositifs/, reads with these views and writes with a token: it is routed by comptes/api_urls.py
(who may write is the accounts' to say, and dispositifs does not depend on them)."""

from django.urls import path

from .views import recherche_view

urlpatterns = [
    path("recherche/", recherche_view(), name="api-recherche"),
]
