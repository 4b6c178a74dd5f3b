"""API v1 routes of the maps app (mounted under /api/v1/ by annuaire/urls.py)."""

from django.urls import path

from annuaire.limits import heavy

from .couverture import couverture_view
from .densite import DensiteCommunesView, DensiteDepartementsView
from .exports import export_view

urlpatterns = [
    path("densite/departements/", heavy(DensiteDepartementsView.as_view()), name="densite-departements"),
    path("departements/<str:code>/densite/", heavy(DensiteCommunesView.as_view()), name="densite-communes"),
    path("couverture/", couverture_view, name="couverture"),
    path("exports/", export_view, name="export"),
    path("exports/<str:fmt>/", export_view, name="export-format"),
]
