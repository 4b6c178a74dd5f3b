"""Public web pages (the web shell). Each app adds its pages here."""

from django.urls import include, path

from annuaire.web import offline, sheet, views

urlpatterns = [
    path("", views.home, name="home"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("hors-ligne/", offline.hors_ligne, name="hors-ligne"),
    path("recherche/", views.recherche, name="recherche"),
    path("recherche/feuille/", sheet.feuille, name="recherche-feuille"),
    path("recherche/guide.pdf", sheet.guide_pdf, name="recherche-guide"),
    path("dispositifs/<int:pk>/", views.dispositif_detail, name="dispositif-detail"),
    path("territoires/departements/<str:code>/", views.departement, name="departement"),
    path("territoires/departements/<str:code>/contour.geojson", views.departement_outline,
         name="departement-contour"),
    path("cartes/", include("maps.urls")),
    path("traductions/", include("traductions.urls")),
    path("espace/", include("espace.urls")),
]
