"""Page views: each reads through a selector or the search, then renders. No business logic here."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from dispositifs.models import Dispositif, Theme
from territoires.models import Departement

from . import presenters, selectors
from .themes import shortcuts


@require_GET
def home(request):
    return render(request, "annuaire/home.html", {"shortcuts": shortcuts()})


@require_GET
def dispositif_detail(request, pk: int):
    try:
        dispositif = selectors.dispositif_for_page(pk)
    except Dispositif.DoesNotExist:
        raise Http404("Dispositif inconnu ou non publié.") from None
    lieux = list(dispositif.lieux.all())
    points = [{"lat": round(lieu.point.y, 5), "lon": round(lieu.point.x, 5), "title": lieu.name or dispositif.title,
               "place": lieu.commune.nom} for lieu in lieux]
    departement = lieux[0].commune.departement_id if lieux else None
    return render(request, "annuaire/dispositif_detail.html", {
        "dispositif": dispositif,
        "lieux": lieux,
        "facts": presenters.facts(dispositif),
        "themes": list(dispositif.themes.all()),
        "map_points": points,
        "outline_code": departement,
        "share_url": request.build_absolute_uri(dispositif.get_absolute_url()),
        "back_url": _results_url(request.GET.get("retour", "")),
    })


def _results_url(url: str) -> str:
    """Only a link back to our own results page (the value comes from the query string)."""
    return url if url.startswith("/recherche/?") and "\\" not in url else ""


@require_GET
def departement(request, code: str):
    dep = get_object_or_404(Departement.objects.select_related("region"), code=code.upper())
    dispositifs = selectors.departement_dispositifs(dep)
    counts = selectors.counts_by_category(dispositifs)
    titles = selectors.titles_by_category(dispositifs)
    categories = [
        {"theme": theme, "count": counts[theme.slug], "dispositifs": titles.get(theme.slug, [])}
        for theme in Theme.objects.roots().order_by("position", "slug") if counts.get(theme.slug)
    ]
    return render(request, "annuaire/departement.html", {
        "departement": dep,
        "total": dispositifs.count(),
        "categories": categories,
        "map_points": selectors.map_points(selectors.departement_lieux(dep, dispositifs)),
        "outline_code": dep.code,
    })


@require_GET
@cache_control(max_age=86400, public=True)
def departement_outline(request, code: str):
    """GeoJSON outline drawn under the points, so a map stays readable when tiles cannot load."""
    geojson = selectors.outline_geojson(code.upper())
    if geojson is None:
        return HttpResponse(json.dumps({"detail": "Département inconnu : utilisez un code comme 21 ou 2A."}),
                            status=404, content_type="application/json")
    return HttpResponse(geojson, content_type="application/geo+json")
