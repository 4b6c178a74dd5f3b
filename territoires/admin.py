from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from .models import Commune, Departement, Region


@admin.register(Region)
class RegionAdmin(GISModelAdmin):
    list_display = ["code", "nom", "population"]
    search_fields = ["code", "nom"]


@admin.register(Departement)
class DepartementAdmin(GISModelAdmin):
    list_display = ["code", "nom", "region", "population"]
    list_filter = ["region"]
    search_fields = ["code", "nom"]


@admin.register(Commune)
class CommuneAdmin(GISModelAdmin):
    list_display = ["code", "nom", "departement", "population"]
    list_filter = ["region"]
    search_fields = ["code", "nom", "nom_normalise"]
    list_select_related = ["departement"]
    show_full_result_count = False
