"""Public web pages of the maps app (/cartes/), mounted by annuaire/web_urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.cartes, name="cartes"),
    path("departement/", views.carte_departement, name="carte-departement"),
    path("<str:name>", views.map_file, name="carte-fichier"),
]
