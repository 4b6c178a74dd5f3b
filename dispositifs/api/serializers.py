"""JSON shapes of the API. Search results are built by plain functions (20 rows per page, on the
hot path); the Serializer classes describe the same shapes for the OpenAPI schema and serve the
catalogue, where DRF's generic views use them."""

from rest_framework import serializers

from territoires.models import Epci


def commune_ref(commune) -> dict | None:
    return None if commune is None else {"code": commune.code, "nom": commune.nom}


def lieu_data(lieu) -> dict | None:
    if lieu is None:
        return None
    return {"id": lieu.pk, "nom": lieu.name, "adresse": lieu.address, "code_postal": lieu.postal_code,
            "commune": commune_ref(lieu.commune), "lat": round(lieu.point.y, 6), "lon": round(lieu.point.x, 6)}


def structure_data(structure) -> dict | None:
    return None if structure is None else {"id": structure.pk, "nom": structure.name}


def themes_data(dispositif) -> list[dict]:
    return [{"slug": t.slug, "label": t.label} for t in dispositif.themes.all()]


def result_data(result, request) -> dict:
    d = result.dispositif
    return {"id": d.pk, "titre": d.title, "resume": d.summary, "structure": structure_data(d.structure),
            "themes": [{"slug": t.slug, "label": t.label} for t in result.themes],
            "portee": result.portee, "distance_m": result.distance_m,
            "lieu_proche": lieu_data(result.lieu_proche), "url": request.build_absolute_uri(d.get_absolute_url())}


def lieu_feature(lieu, dispositif, request) -> dict:
    return {
        "type": "Feature", "id": lieu.pk,
        "geometry": {"type": "Point", "coordinates": [round(lieu.point.x, 6), round(lieu.point.y, 6)]},
        "properties": {
            "nom": lieu.name, "adresse": lieu.address, "code_postal": lieu.postal_code,
            "commune": commune_ref(lieu.commune), "precision": lieu.precision,
            "dispositif": {"id": dispositif.pk, "titre": dispositif.title,
                           "url": request.build_absolute_uri(dispositif.get_absolute_url())},
            "themes": [t.slug for t in dispositif.themes.all()],
        },
    }


def feature_collection(dispositifs, request, **members) -> dict:
    features = [lieu_feature(lieu, d, request) for d in dispositifs for lieu in d.lieux.all()]
    return {"type": "FeatureCollection", **members, "features": features}


# -- schema and catalogue serializers --------------------------------------------------------
class RefSerializer(serializers.Serializer):
    code = serializers.CharField()
    nom = serializers.CharField()


class StructureRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nom = serializers.CharField()


class ThemeRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    label = serializers.CharField()


class LieuSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nom = serializers.CharField()
    adresse = serializers.CharField()
    code_postal = serializers.CharField()
    commune = RefSerializer()
    lat = serializers.FloatField()
    lon = serializers.FloatField()

    def to_representation(self, instance):
        return lieu_data(instance)


TRADUCTION = {"help_text": "Hors français (`lang`) : la langue du contenu et, par champ traduisible, relue (traduction "
                          "relue par une personne), brouillon (traduction automatique) ou originale (le français, "
                          "faute de traduction). / Not in French: per field, reviewed, machine draft or original."}


def _translation_fields():
    return {"langue": serializers.CharField(required=False, help_text=TRADUCTION["help_text"]),
            "traduction": serializers.DictField(child=serializers.ChoiceField(["relue", "brouillon", "originale"]),
                                                required=False, **TRADUCTION)}


class ResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    titre = serializers.CharField()
    resume = serializers.CharField()
    structure = StructureRefSerializer(allow_null=True)
    themes = ThemeRefSerializer(many=True)
    gratuit = serializers.BooleanField(allow_null=True)
    modalite = serializers.CharField()
    portee = serializers.ChoiceField(["proximite", "commune", "departement", "region", "national"],
                                     help_text="La raison la plus fine / the finest reason it matches.")
    distance_m = serializers.IntegerField(allow_null=True, help_text="Distance au lieu le plus proche, en mètres.")
    lieu_proche = LieuSerializer(allow_null=True)
    url = serializers.URLField()

    def get_fields(self):
        return {**super().get_fields(), **_translation_fields()}


class PlaceSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    label = serializers.CharField()
    commune = RefSerializer()
    departement = RefSerializer()
    region = RefSerializer()


class FacettesSerializer(serializers.Serializer):
    themes = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="Nombre de résultats par thème (un parent compte ses sous-thèmes).")


class RechercheSerializer(serializers.Serializer):
    lieu = PlaceSerializer()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    facettes = FacettesSerializer()
    langue = serializers.CharField(help_text="La langue des textes (`lang`, sinon Accept-Language, sinon fr).")
    results = ResultSerializer(many=True)


class CandidatDepartementSerializer(serializers.Serializer):
    code = serializers.CharField()
    nom = serializers.CharField()


class CandidatSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Code INSEE à renvoyer dans `commune`.")
    nom = serializers.CharField()
    code_postal = serializers.CharField()
    departement = CandidatDepartementSerializer()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    parametre = serializers.CharField(required=False)
    candidats = CandidatSerializer(many=True, required=False,
                                   help_text="Lieu ambigu : les communes possibles / ambiguous place: the candidates.")


class DispositifSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    titre = serializers.CharField()
    resume = serializers.CharField()
    structure = StructureRefSerializer(allow_null=True)
    themes = ThemeRefSerializer(many=True)
    national = serializers.BooleanField()
    modalite = serializers.CharField()
    gratuit = serializers.BooleanField(allow_null=True)
    url = serializers.URLField()

    def get_fields(self):
        return {**super().get_fields(), **_translation_fields()}

    def to_representation(self, d):
        request = self.context["request"]
        return {"id": d.pk, "titre": d.title, "resume": d.summary, "structure": structure_data(d.structure),
                "themes": themes_data(d), "national": d.national, "modalite": d.modality, "gratuit": d.free,
                "url": request.build_absolute_uri(d.get_absolute_url())}


class DispositifDetailSerializer(DispositifSerializer):
    description = serializers.CharField()
    publics = serializers.ListField(child=serializers.CharField())
    langues = serializers.ListField(child=serializers.CharField())
    age_min = serializers.IntegerField(allow_null=True)
    age_max = serializers.IntegerField(allow_null=True)
    niveau_francais = serializers.CharField()
    tarif = serializers.CharField()
    inscription = serializers.CharField()
    telephone = serializers.CharField()
    courriel = serializers.CharField()
    site_web = serializers.CharField()
    date_debut = serializers.DateField(allow_null=True)
    date_fin = serializers.DateField(allow_null=True)
    derniere_verification = serializers.DateField(allow_null=True)
    couverture = serializers.DictField()
    lieux = LieuSerializer(many=True)

    def to_representation(self, d):
        data = super().to_representation(d)
        data.update({
            "description": d.description, "publics": d.publics, "langues": d.languages, "age_min": d.age_min,
            "age_max": d.age_max, "niveau_francais": d.french_level, "tarif": d.price,
            "inscription": d.registration, "telephone": d.phone, "courriel": d.email, "site_web": d.website,
            "date_debut": d.start_date, "date_fin": d.end_date, "derniere_verification": d.last_verified,
            "couverture": {"national": d.national,
                           "regions": [r.pk for r in d.regions.all()],
                           "departements": [x.pk for x in d.departements.all()],
                           "communes": (communes := [c.pk for c in d.communes.all()]),
                           # the intercommunalités whose communes are all covered (SIREN)
                           "epci": list(Epci.objects.whole_within(communes).values_list("pk", flat=True))},
            "lieux": [lieu_data(lieu) for lieu in d.lieux.all()],
        })
        return data
