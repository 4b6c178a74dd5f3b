"""OpenAPI descriptions of the query parameters, in French then English (drf-spectacular)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from dispositifs.recherche import PAGE_SIZE_MAX, RAYON_MAX_KM


def _p(name, type_, fr, en, *, many=False, enum=None, default=None):
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=f"{fr} / {en}", many=many,
                            enum=enum, default=default, explode=True if many else None)


PLACE = [
    _p("lat", OpenApiTypes.DOUBLE, "Latitude WGS84 en degrés décimaux (avec lon).",
       "WGS84 latitude in decimal degrees (with lon)."),
    _p("lon", OpenApiTypes.DOUBLE, "Longitude WGS84 en degrés décimaux (avec lat).",
       "WGS84 longitude in decimal degrees (with lat)."),
    _p("commune", OpenApiTypes.STR, "Code INSEE de la commune (ex. 21166), ou son nom.",
       "INSEE code of the commune (e.g. 21166), or its name."),
    _p("code_postal", OpenApiTypes.STR, "Code postal (ex. 21300) : la commune la plus peuplée qui le porte.",
       "Postal code (e.g. 21300): the most populous commune with that code."),
    _p("adresse", OpenApiTypes.STR,
       "Adresse libre ; hors ligne, le code postal et/ou le nom de commune qu'elle contient "
       "(Base Adresse Nationale si GEOCODER=ban).",
       "Free-text address; offline, the postal code and/or commune name found in it "
       "(Base Adresse Nationale when GEOCODER=ban)."),
]

FILTERS = [
    _p("theme", OpenApiTypes.STR, "Slug de thème, répétable ; un thème parent inclut ses sous-thèmes.",
       "Theme slug, repeatable; a parent theme includes its sub-themes.", many=True),
    _p("public", OpenApiTypes.STR, "Public visé (bpi, primo-arrivants, demandeurs-asile, femmes, jeunes…) ; "
       "les dispositifs « tous publics » ou sans public précisé sont inclus.",
       "Target public; actions for everyone or without a stated public are included."),
    _p("langue", OpenApiTypes.STR, "Langue parlée, code ISO 639-1 (fr, en, ar, ps, fa…).",
       "Language spoken, ISO 639-1 code."),
    _p("age", OpenApiTypes.INT, "Âge de la personne (0 à 120) : garde les dispositifs dont la tranche d'âge l'inclut.",
       "Age of the person (0-120): keeps actions whose age range includes it."),
    _p("gratuit", OpenApiTypes.BOOL, "true : seulement les gratuits ; false : seulement les payants.",
       "true: free ones only; false: paying ones only."),
    _p("modalite", OpenApiTypes.STR, "presentiel, distance ou mixte ; « mixte » sert aussi les deux autres.",
       "presentiel, distance or mixte; a mixte action also serves the other two.",
       enum=["presentiel", "distance", "mixte"]),
    _p("niveau_francais", OpenApiTypes.STR,
       "Niveau de français de la personne (aucun, alpha, A1…C2) : garde les dispositifs qui ne demandent pas plus.",
       "French level of the person (aucun, alpha, A1…C2): keeps actions that do not require more.",
       enum=["aucun", "alpha", "A1", "A2", "B1", "B2", "C1", "C2"]),
]

SEARCH_ONLY = [
    _p("rayon_km", OpenApiTypes.DOUBLE, f"Rayon de proximité en km (défaut 30, 0 < rayon ≤ {RAYON_MAX_KM}).",
       f"Proximity radius in km (default 30, 0 < radius <= {RAYON_MAX_KM}).", default=30),
    _p("national", OpenApiTypes.BOOL, "Inclure les offres nationales (défaut true) ; false retire celles qui ne "
       "sont là que parce qu'elles sont nationales.",
       "Include national offers (default true); false removes results whose only reason is being national.",
       default=True),
]

CATALOGUE_ONLY = [
    _p("departement", OpenApiTypes.STR, "Code du département : un lieu dedans, ou une couverture qui le nomme, "
       "nomme sa région ou une de ses communes.",
       "Département code: a lieu in it, or a coverage naming it, its région or one of its communes."),
    _p("region", OpenApiTypes.STR, "Code de la région (même règle).", "Région code (same rule)."),
    _p("structure", OpenApiTypes.INT, "Identifiant de la structure porteuse.", "Id of the structure running it."),
    _p("national", OpenApiTypes.BOOL, "true : seulement les nationaux ; false : seulement les locaux.",
       "true: national ones only; false: local ones only."),
    _p("format", OpenApiTypes.STR, "json (défaut) ou geojson : une FeatureCollection des lieux.",
       "json (default) or geojson: a FeatureCollection of the lieux.", enum=["json", "geojson"]),
]

PAGINATION = [
    _p("page", OpenApiTypes.INT, "Numéro de page (à partir de 1).", "Page number (from 1)."),
    _p("page_size", OpenApiTypes.INT, f"Résultats par page (défaut 20, au plus {PAGE_SIZE_MAX}).",
       f"Results per page (default 20, at most {PAGE_SIZE_MAX})."),
]
