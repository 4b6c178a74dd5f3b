from django.contrib import admin

from .models import Traducteur, Traduction


@admin.register(Traducteur)
class TraducteurAdmin(admin.ModelAdmin):
    list_display = ["user", "langues"]
    raw_id_fields = ["user"]


@admin.register(Traduction)
class TraductionAdmin(admin.ModelAdmin):
    list_display = ["dispositif", "champ", "langue", "statut", "updated_at"]
    list_filter = ["langue", "statut", "champ"]
    search_fields = ["dispositif__title", "texte"]
    raw_id_fields = ["dispositif", "relu_par"]
