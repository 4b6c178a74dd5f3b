"""Density endpoints: local actions per département, and per commune inside one département."""

from rest_framework.response import Response
from rest_framework.views import APIView

from ..stats import densite_communes, densite_departements
from .common import ATTRIBUTION, BadRequest, check_theme, error, generated_at


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
