from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.contrib.gis.db import models as gis_models
from django.contrib.gis.forms.widgets import OSMWidget
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from . import validation
from .models import Dispositif, Lieu, Structure, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["label", "slug"]


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siret", "commune"]
    list_filter = ["kind"]
    search_fields = ["name", "siret"]
    autocomplete_fields = ["commune"]


class LieuFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        data = self.data
        try:
            validation.check_reachable(
                national=data.get("national") in ("on", "true", "1"),
                has_coverage=any(data.getlist(k) for k in ("regions", "departements", "communes")),
                has_lieux=bool(kept))
        except ValidationError as e:
            raise ValidationError(e.messages) from None


class LieuInline(admin.StackedInline):
    model = Lieu
    formset = LieuFormSet
    extra = 0
    autocomplete_fields = ["commune"]
    formfield_overrides = {gis_models.PointField: {"widget": OSMWidget}}


@admin.register(Dispositif)
class DispositifAdmin(admin.ModelAdmin):
    list_display = ["title", "structure", "status", "national", "source", "updated_at"]
    list_filter = ["status", "national", "modality", "source", ("themes", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "summary", "structure__name", "external_id"]
    autocomplete_fields = ["structure", "themes", "regions", "departements", "communes"]
    list_select_related = ["structure"]
    date_hierarchy = "updated_at"
    inlines = [LieuInline]
    readonly_fields = ["source", "external_id", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "summary", "description", "structure", "themes", "status"]}),
        ("Pour qui", {"fields": ["publics", "protection_statuses", ("age_min", "age_max"), "french_level",
                                 "languages"]}),
        ("En pratique", {"fields": [("free", "price"), "modality", "registration", ("phone", "email"), "website",
                                    ("start_date", "end_date")]}),
        ("Couverture", {"fields": ["national", "regions", "departements", "communes"]}),
        ("Provenance", {"fields": ["source", "external_id", "last_verified", "created_at", "updated_at"]}),
    ]


@admin.register(Lieu)
class LieuAdmin(GISModelAdmin):
    list_display = ["__str__", "dispositif", "commune", "precision"]
    list_filter = ["precision"]
    search_fields = ["dispositif__title", "address", "name", "commune__nom"]
    autocomplete_fields = ["dispositif", "commune"]
    list_select_related = ["commune", "dispositif"]
