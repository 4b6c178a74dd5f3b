"""API v1 of the geography: commune autocomplete and the départements' outlines for map backgrounds."""

from django.db import connection
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from territoires.models import Commune, Departement

AUTOCOMPLETE_MAX = 20
# ~1 km: the whole of France in about 300 kB, enough under a search map, light on a phone.
SIMPLIFY_DEGREES = 0.01
_outlines: dict[float, bytes] = {}


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


def _error(detail: str, param: str) -> Response:
    return Response({"detail": detail, "parametre": param}, status=400)


CommuneSchema = inline_serializer("CommuneSuggestion", {
    "code": serializers.CharField(), "nom": serializers.CharField(),
    "departement": inline_serializer("DepartementRef", {"code": serializers.CharField(),
                                                        "nom": serializers.CharField()}),
    "codes_postaux": serializers.ListField(child=serializers.CharField()),
    "population": serializers.IntegerField(), "lat": serializers.FloatField(), "lon": serializers.FloatField(),
})


class CommuneAutocompleteView(APIView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="communes_autocompletion",
        summary="Autocomplétion des communes / commune autocomplete",
        parameters=[
            OpenApiParameter("q", {"type": "string", "maxLength": 100}, description=(
                "Nom (sans souci d'accents, de casse ni de tirets, début de mot accepté), code postal ou "
                "début de code INSEE ; classé par correspondance puis population. / Name (accents, case and "
                "hyphens ignored, prefixes work), postal code or INSEE code prefix; ranked by match then "
                "population. Vide : aucune suggestion. / Empty: no suggestion.")),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": AUTOCOMPLETE_MAX}, description=(
                f"Nombre de suggestions (défaut 10, au plus {AUTOCOMPLETE_MAX}). / Number of suggestions "
                f"(default 10, at most {AUTOCOMPLETE_MAX}).")),
        ],
        responses={200: inline_serializer("CommuneSuggestions",
                                          {"results": serializers.ListField(child=CommuneSchema)}),
                   400: OpenApiResponse(description="q manquant ou limit invalide / q missing or bad limit")},
        tags=["territoires"],
    )
    def get(self, request):
        q = (request.query_params.get("q") or "").strip()
        if len(q) > 100:
            return _error("q est trop long (100 caractères au plus).", "q")
        raw_limit = request.query_params.get("limit") or "10"
        if not raw_limit.isdigit() or not (1 <= int(raw_limit) <= AUTOCOMPLETE_MAX):
            return _error(f"limit doit être un entier entre 1 et {AUTOCOMPLETE_MAX}.", "limit")
        if not any(ch.isalnum() for ch in q):  # nothing typed yet: nothing to suggest (not a mistake)
            return Response({"results": []})
        communes = (Commune.objects.search(q).select_related("departement")
                    .only("code", "nom", "codes_postaux", "population", "centre", "departement__code",
                          "departement__nom")[: int(raw_limit)])
        return Response({"results": [{
            "code": c.code, "nom": c.nom, "departement": {"code": c.departement.code, "nom": c.departement.nom},
            "codes_postaux": c.codes_postaux, "population": c.population,
            "lat": round(c.centre.y, 5), "lon": round(c.centre.x, 5)} for c in communes]})


OUTLINES_SCHEMA = {"type": "object", "required": ["type", "features"], "properties": {
    "type": {"type": "string", "enum": ["FeatureCollection"]},
    "features": {"type": "array", "items": {"type": "object", "required": ["type", "id", "properties", "geometry"],
                                            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                                                           "id": {"type": "string"},
                                                           "properties": {"type": "object"},
                                                           "geometry": {"type": "object"}}}}}}


class DepartementOutlinesView(APIView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        operation_id="departements_contours",
        summary="Contours simplifiés des départements / simplified outlines of the départements",
        description="FeatureCollection GeoJSON (code, nom, région, population), simplifiée à ~1 km, pour le "
                    "fond des cartes. / GeoJSON FeatureCollection simplified to ~1 km, for map backgrounds.",
        responses={200: OpenApiResponse(response=OUTLINES_SCHEMA, description="FeatureCollection")},
        tags=["territoires"],
    )
    def get(self, request):
        body = _outlines.get(SIMPLIFY_DEGREES)
        if body is None:
            body = _outlines[SIMPLIFY_DEGREES] = _build_outlines(SIMPLIFY_DEGREES)
        response = HttpResponse(body, content_type="application/geo+json")
        patch_cache_control(response, public=True, max_age=86400)
        return response


def _build_outlines(tolerance: float) -> bytes:
    """One query: PostGIS simplifies and writes the GeoJSON geometries (4 decimals, ~10 m)."""
    table = Departement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg("
            f"json_build_object('type', 'Feature', 'id', code, "
            f"'properties', json_build_object('code', code, 'nom', nom, 'region', region_id, "
            f"'population', population), "
            f"'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(contour, %s), 4)::json) ORDER BY code), "
            f"'[]'))::text FROM {table} WHERE contour IS NOT NULL", [tolerance])
        return cursor.fetchone()[0].encode()
