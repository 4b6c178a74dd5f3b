"""The week form: opening hours typed per day ("9:00-12:00, 13:30-17:00"), stored as one OSM string."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from dispositifs import horaires

REFERENCE_MONDAY = dt.date(2024, 1, 1)  # a week of days to read the stored value day by day
DAY_NAMES = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]


class WeekHoursForm(forms.Form):
    """Seven fields, one per day; empty = closed. `osm` gives the OpenStreetMap `opening_hours` value."""

    def __init__(self, *args, initial_osm: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        per_day = {i: ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)
                   for i, ranges in horaires.week(initial_osm, REFERENCE_MONDAY)} if initial_osm else {}
        for i, name in enumerate(DAY_NAMES):
            self.fields[f"jour_{i}"] = forms.CharField(
                label=name, required=False, initial=per_day.get(i, ""),
                widget=forms.TextInput(attrs={"placeholder": "9:00-12:00, 13:30-17:00", "size": 28}))

    def clean(self):
        data = super().clean()
        for i, name in enumerate(DAY_NAMES):
            text = (data.get(f"jour_{i}") or "").strip()
            if text and text.lower() not in {"fermé", "ferme"} and not horaires.from_day_columns({name: text}):
                self.add_error(f"jour_{i}", ValidationError("Écrivez des plages comme 9:00-12:00, 13:30-17:00."))
        return data

    def osm(self) -> str:
        return horaires.from_day_columns({name: self.cleaned_data.get(f"jour_{i}") or ""
                                          for i, name in enumerate(DAY_NAMES)}) or ""
