"""Back-office forms. The dispositif form only shapes what a person typed into the write API's
payload (`payload()`); every rule is judged by `dispositifs.services` / `validation.py`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from comptes.models import Role
from dispositifs.models import Structure, Theme
from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public

DSFR_INPUT = {"class": "fr-input"}
DSFR_SELECT = {"class": "fr-select"}


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in (text or "").replace(";", ",").split(",") if c.strip()]


class DispositifForm(forms.Form):
    titre = forms.CharField(label=_("Intitulé"), max_length=300, widget=forms.TextInput(DSFR_INPUT))
    resume = forms.CharField(label=_("Résumé"), max_length=500, required=False, widget=forms.TextInput(DSFR_INPUT))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea({**DSFR_INPUT, "rows": 4}))
    structure = forms.ModelChoiceField(label=_("Structure"), queryset=Structure.objects.all(), required=False,
                                       widget=forms.Select(DSFR_SELECT))
    themes = forms.MultipleChoiceField(label=_("Thèmes"), widget=forms.SelectMultiple({**DSFR_SELECT, "size": 8}))
    publics = forms.MultipleChoiceField(label=_("Publics"), choices=Public.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    langues = forms.CharField(label=_("Langues parlées (codes séparés par des virgules)"), required=False,
                              widget=forms.TextInput(DSFR_INPUT))
    age_min = forms.IntegerField(label=_("Âge minimum"), required=False, widget=forms.NumberInput(DSFR_INPUT))
    age_max = forms.IntegerField(label=_("Âge maximum"), required=False, widget=forms.NumberInput(DSFR_INPUT))
    niveau_francais = forms.ChoiceField(label=_("Niveau de français requis"), required=False,
                                        choices=[("", "—"), *NiveauFrancais.choices], widget=forms.Select(DSFR_SELECT))
    gratuit = forms.NullBooleanField(label=_("Gratuit"), required=False, widget=forms.NullBooleanSelect(DSFR_SELECT))
    tarif = forms.CharField(label=_("Tarif"), required=False, widget=forms.TextInput(DSFR_INPUT))
    modalite = forms.ChoiceField(label=_("Modalité"), choices=Modalite.choices, widget=forms.Select(DSFR_SELECT))
    inscription = forms.CharField(label=_("Inscription"), required=False,
                                  widget=forms.Textarea({**DSFR_INPUT, "rows": 2}))
    telephone = forms.CharField(label=_("Téléphone"), required=False, widget=forms.TextInput(DSFR_INPUT))
    courriel = forms.CharField(label=_("Courriel"), required=False, widget=forms.TextInput(DSFR_INPUT))
    site_web = forms.CharField(label=_("Site web"), required=False, widget=forms.TextInput(DSFR_INPUT))
    date_debut = forms.DateField(label=_("Date de début"), required=False,
                                 widget=forms.DateInput({**DSFR_INPUT, "type": "date"}))
    date_fin = forms.DateField(label=_("Date de fin"), required=False,
                               widget=forms.DateInput({**DSFR_INPUT, "type": "date"}))
    national = forms.BooleanField(label=_("Offre nationale"), required=False)
    regions = forms.CharField(label=_("Régions couvertes (codes)"), required=False, widget=forms.TextInput(DSFR_INPUT))
    departements = forms.CharField(label=_("Départements couverts (codes)"), required=False,
                                   widget=forms.TextInput(DSFR_INPUT))
    communes = forms.CharField(label=_("Communes couvertes (codes INSEE)"), required=False,
                               widget=forms.TextInput(DSFR_INPUT))

    def __init__(self, *args, role: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(t.slug, ("— " if t.parent_id else "") + t.label)
                                         for t in Theme.objects.order_by("parent_id", "position", "slug")]
        if role != Role.NATIONAL:
            del self.fields["national"]
        if role == Role.STRUCTURE:
            del self.fields["structure"]

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        """The form's initial values from the read API's JSON of a dispositif."""
        cov = data.get("couverture") or {}
        return {**{k: data.get(k) for k in ("titre", "resume", "description", "publics", "age_min", "age_max",
                                            "niveau_francais", "gratuit", "tarif", "modalite", "inscription",
                                            "telephone", "courriel", "site_web", "date_debut", "date_fin")},
                "structure": (data.get("structure") or {}).get("id"),
                "themes": [t["slug"] for t in data.get("themes") or []],
                "langues": ", ".join(data.get("langues") or []), "national": cov.get("national", False),
                **{level: ", ".join(cov.get(level) or []) for level in ("regions", "departements", "communes")}}

    def payload(self, lieux: list[dict]) -> dict:
        c = self.cleaned_data
        data = {k: c.get(k) for k in ("titre", "resume", "description", "publics", "age_min", "age_max",
                                      "niveau_francais", "gratuit", "tarif", "modalite", "inscription", "telephone",
                                      "courriel", "site_web")}
        data.update({"themes": c["themes"], "langues": [x.lower() for x in _codes(c.get("langues"))],
                     "date_debut": c.get("date_debut") and c["date_debut"].isoformat(),
                     "date_fin": c.get("date_fin") and c["date_fin"].isoformat(),
                     "couverture": {"national": bool(c.get("national")),
                                    **{level: _codes(c.get(level)) for level in ("regions", "departements",
                                                                                  "communes")}},
                     "lieux": lieux})
        if "structure" in self.fields:
            data["structure"] = {"id": c["structure"].pk} if c.get("structure") else None
        return data


class LieuForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    nom = forms.CharField(label=_("Nom du lieu"), required=False, widget=forms.TextInput(DSFR_INPUT))
    adresse = forms.CharField(label=_("Adresse"), required=False, widget=forms.TextInput(DSFR_INPUT))
    code_postal = forms.CharField(label=_("Code postal"), required=False, widget=forms.TextInput(DSFR_INPUT))
    commune = forms.CharField(label=_("Commune (nom ou code INSEE)"), widget=forms.TextInput(
        {**DSFR_INPUT, "data-commune-autocomplete": "", "autocomplete": "off"}))
    lat = forms.FloatField(label=_("Latitude"), required=False, widget=forms.NumberInput({**DSFR_INPUT, "step": "any"}))
    lon = forms.FloatField(label=_("Longitude"), required=False,
                           widget=forms.NumberInput({**DSFR_INPUT, "step": "any"}))
    horaires = forms.CharField(label=_("Horaires"), required=False, widget=forms.TextInput(DSFR_INPUT))

    def clean_commune(self):
        """"Dijon (21231)" as the autocomplete fills it, or the bare code."""
        text = self.cleaned_data["commune"].strip()
        if text.endswith(")") and "(" in text:
            text = text.rsplit("(", 1)[1].rstrip(")")
        return text


LieuFormSet = forms.formset_factory(LieuForm, extra=1, can_delete=True)


def lieux_payload(formset) -> list[dict]:
    return [{k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
            for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def lieux_initial(data: dict) -> list[dict]:
    return [{"id": lieu["id"], "nom": lieu["nom"], "adresse": lieu["adresse"], "code_postal": lieu["code_postal"],
             "commune": f"{lieu['commune']['nom']} ({lieu['commune']['code']})", "lat": lieu["lat"],
             "lon": lieu["lon"], "horaires": lieu.get("horaires", "")} for lieu in data.get("lieux") or []]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Courriel"), widget=forms.EmailInput(DSFR_INPUT))
    role = forms.ChoiceField(label=_("Rôle"), choices=[(Role.STRUCTURE, Role.STRUCTURE.label),
                                                        (Role.OPERATEUR, Role.OPERATEUR.label)],
                             widget=forms.Select(DSFR_SELECT))
    structure = forms.ModelChoiceField(label=_("Structure (membre de structure)"), queryset=Structure.objects.all(),
                                       required=False, widget=forms.Select(DSFR_SELECT))
    departements = forms.CharField(label=_("Départements (opérateur, codes)"), required=False,
                                   widget=forms.TextInput(DSFR_INPUT))

    def scope(self) -> dict:
        c = self.cleaned_data
        return {"role_": c["role"], "departements": _codes(c.get("departements")), "structure": c.get("structure")}


class RenvoiForm(forms.Form):
    comment = forms.CharField(label=_("Commentaire pour l'auteur"), widget=forms.Textarea({**DSFR_INPUT, "rows": 3}))
