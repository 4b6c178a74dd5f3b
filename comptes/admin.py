from django.contrib import admin

from .models import Compte, Correspondance, Decision, Source


@admin.register(Compte)
class CompteAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "structure"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username"]
    autocomplete_fields = ["structure"]
    filter_horizontal = ["departements", "regions", "sources"]
    raw_id_fields = ["invited_by"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["slug", "label", "departement", "profile", "publish_directly"]
    search_fields = ["slug", "label"]


@admin.register(Correspondance)
class CorrespondanceAdmin(admin.ModelAdmin):
    list_display = ["source", "column", "value", "target"]
    list_filter = ["source"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "dispositif", "user", "action"]
    list_filter = ["action"]
    raw_id_fields = ["dispositif"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
