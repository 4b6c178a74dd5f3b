"""Closures, and the lieux' weekly hours edited through the week form (a proxy of Lieu: one screen per lieu)."""

from django import forms
from django.contrib import admin

from .forms import DAY_NAMES, WeekHoursForm
from .models import Fermeture, LieuHoraires


@admin.register(Fermeture)
class FermetureAdmin(admin.ModelAdmin):
    list_display = ["dispositif", "lieu", "debut", "fin", "message"]
    list_filter = ["debut"]
    search_fields = ["dispositif__title", "message"]
    raw_id_fields = ["dispositif", "lieu"]
    date_hierarchy = "debut"


class LieuHorairesForm(forms.ModelForm):
    """The lieu's `opening_hours` as seven day fields; the OSM value is shown read-only for checking."""

    class Meta:
        model = LieuHoraires
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.week = WeekHoursForm(self.data or None, initial_osm=self.instance.opening_hours or "")
        for name, field in self.week.fields.items():
            field.initial = self.week.fields[name].initial
            self.fields[name] = field

    def clean(self):
        data = super().clean()
        self.week.is_valid()
        for name, errors in self.week.errors.items():
            for error in errors:
                self.add_error(name if name in self.fields else None, error)
        return data

    def save(self, commit=True):
        self.instance.opening_hours = self.week.osm()
        return super().save(commit=commit)


@admin.register(LieuHoraires)
class LieuHorairesAdmin(admin.ModelAdmin):
    form = LieuHorairesForm
    list_display = ["__str__", "opening_hours"]
    search_fields = ["name", "address", "dispositif__title", "commune__nom"]
    readonly_fields = ["opening_hours"]
    fieldsets = [(None, {"fields": [f"jour_{i}" for i in range(len(DAY_NAMES))] + ["opening_hours"]})]

    def has_add_permission(self, request):
        return False  # a lieu is created with its dispositif
