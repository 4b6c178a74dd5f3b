"""Density endpoints: local actions per département, and per commune inside one département."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..stats import densite_communes, densite_departements
from .common import ATTRIBUTION, BadRequest, check_theme, error, generated_at

THEME_PARAM = OpenApiParameter("theme", OpenApiTypes.STR, description=(
    "Slug d'un thème (data·inclusion) : ne compter que ses actions et celles de ses sous-thèmes."))
ERROR = inline_serializer("Erreur", {"detail": serializers.CharField()})
class _Densite(serializers.Serializer):
    code = serializers.CharField()
    nom = serializers.CharField()
    population = serializers.IntegerField()
    actions = serializers.IntegerField()
    pour_100000 = serializers.FloatField(allow_null=True)
    themes = serializers.DictField(child=serializers.IntegerField())


class RegionRef(serializers.Serializer):
    code = serializers.CharField()
    nom = serializers.CharField()


class DensiteDepartement(_Densite):
    """Schema only: one component, reused by both density endpoints."""

    region = RegionRef()


class DensiteCommune(_Densite):
    sur_place = serializers.IntegerField()
    lieux = serializers.IntegerField()


_HEAD = {"date": serializers.DateTimeField(), "attribution": serializers.CharField(),
         "theme": serializers.CharField(allow_null=True), "count": serializers.IntegerField()}


@extend_schema(parameters=[THEME_PARAM], responses={
    200: inline_serializer("DensiteDepartements", {**_HEAD, "results": DensiteDepartement(many=True)}),
    400: OpenApiResponse(ERROR, description="thème inconnu")})
class DensiteDepartementsView(APIView):
    """Local actions of every département (published, non-national, with a lieu there or a coverage
    naming it or its région), per 100,000 inhabitants and per main theme. `?theme=SLUG` restricts
    the count to one theme and its sub-themes."""

    def get(self, request):
        try:
            theme = check_theme(request.query_params.get("theme"))
        except BadRequest as exc:
            return error(400, str(exc))
        rows = densite_departements(theme=theme)
        return Response({"date": generated_at(), "attribution": ATTRIBUTION, "theme": theme, "count": len(rows),
                         "results": [r.as_dict() for r in rows]})


@extend_schema(parameters=[THEME_PARAM], responses={
    200: inline_serializer("DensiteCommunes", {
        **_HEAD, "departement": DensiteDepartement(), "results": DensiteCommune(many=True),
        "couverture": inline_serializer("CouvertureDepartement", {
            "actions": serializers.IntegerField(),
            "themes": serializers.DictField(child=serializers.IntegerField())})}),
    400: OpenApiResponse(ERROR, description="thème inconnu"),
    404: OpenApiResponse(ERROR, description="département inconnu")})
class DensiteCommunesView(APIView):
    """Local actions of every commune of a département: `actions` (all that reach the commune),
    `sur_place` (a lieu there or a coverage naming the commune), `lieux`; the département-wide
    coverage actions are given once under `couverture`."""

    def get(self, request, code: str):
        try:
            theme = check_theme(request.query_params.get("theme"))
        except BadRequest as exc:
            return error(400, str(exc))
        result = densite_communes(code.upper(), theme=theme)
        if result is None:
            return error(404, f"département inconnu : « {code} ». Utilisez un code INSEE comme 35, 2A ou 974.")
        return Response({
            "date": generated_at(), "attribution": ATTRIBUTION, "theme": theme,
            "departement": result.departement.as_dict(),
            "couverture": {"actions": result.couverture_actions,
                           "themes": dict(sorted(result.couverture_themes.items()))},
            "count": len(result.communes),
            "results": [c.as_dict() for c in result.communes],
        })
