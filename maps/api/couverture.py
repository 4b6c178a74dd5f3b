"""GET /api/v1/couverture/?theme=SLUG[&departement=CODE][&km=N][&format=json|csv|geojson] — the gap
analysis: communes whose centre is farther than N km (10 by default) from any lieu of the theme,
with their population and the summary sentence. A plain Django view because DRF reserves `format`."""

import io
import json

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from ..gaps import gap_geojson, gap_report, write_gap_csv
from .common import ATTRIBUTION, ATTRIBUTION_ASCII, BadRequest, check_km, error, generated_at


@require_GET
def couverture_view(request):
    theme = request.GET.get("theme", "").strip()
    if not theme:
        return error(400, "Indiquez un thème : ?theme=lecture-ecriture-calcul--maitriser-le-francais "
                          "(un thème parent compte ses sous-thèmes).")
    fmt = request.GET.get("format", "json")
    if fmt not in {"json", "csv", "geojson"}:
        return error(400, f"format inconnu : « {fmt} ». Formats possibles : json, csv, geojson.")
    try:
        km = check_km(request.GET.get("km"), 10.0)
        report = gap_report(theme=theme, km=km, departement=request.GET.get("departement") or None)
    except BadRequest as exc:
        return error(400, str(exc))
    except LookupError as exc:
        message = str(exc)
        return error(404 if message.startswith("département") else 400, message[0].upper() + message[1:])
    if fmt == "csv":
        stream = io.StringIO()
        stream.write("\ufeff")
        write_gap_csv(stream, report)
        response = HttpResponse(stream.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="couverture-{theme}-{report.departement or "france"}-{km:g}km.csv"')
        response["X-Attribution"] = ATTRIBUTION_ASCII
        return response
    if fmt == "geojson":
        data = gap_geojson(report)
        data["metadata"].update(attribution=ATTRIBUTION, date=generated_at())
        return HttpResponse(json.dumps(data, ensure_ascii=False).encode("utf-8"), content_type="application/geo+json")
    return JsonResponse({"date": generated_at(), "attribution": ATTRIBUTION, **report.as_dict()},
                        json_dumps_params={"ensure_ascii": False})
