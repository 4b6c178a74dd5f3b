"""Reads the web pages need beyond search: a dispositif's page, a département's actions, outlines."""

from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Count, F, Func, Prefetch, Value
from django.db.models.functions import Coalesce

from dispositifs.models import Dispositif, Lieu
from territoires.models import Departement

MAX_MAP_POINTS = 2000


def dispositif_for_page(pk: int) -> Dispositif:
    """A published dispositif with everything its page shows, in a fixed number of queries."""
    return (Dispositif.objects.published()
            .select_related("structure")
            .prefetch_related(
                "themes", "regions", "departements", "communes__departement",
                Prefetch("lieux", queryset=Lieu.objects.select_related("commune__departement").order_by("pk")))
            .get(pk=pk))


def departement_dispositifs(departement: Departement):
    """Published, current actions local to a département (a lieu in it, or a coverage naming it, its
    région or one of its communes); national ones are left out: they are the same everywhere."""
    return Dispositif.objects.published().current().in_departement(departement.code)


def counts_by_category(dispositifs) -> dict[str, int]:
    """{root theme slug: number of distinct dispositifs} — a sub-theme counts for its category."""
    through = Dispositif.themes.through
    rows = (through.objects.filter(dispositif__in=dispositifs.values("pk"))
            .annotate(root=Coalesce("theme__parent_id", "theme_id"))
            .values("root").annotate(n=Count("dispositif_id", distinct=True)))
    return {row["root"]: row["n"] for row in rows}


def titles_by_category(dispositifs) -> dict[str, list[dict]]:
    """{root theme slug: [{id, title}...]} ordered by title, one query."""
    through = Dispositif.themes.through
    rows = (through.objects.filter(dispositif__in=dispositifs.values("pk"))
            .annotate(root=Coalesce("theme__parent_id", "theme_id"))
            .values("root", "dispositif_id", "dispositif__title").distinct()
            .order_by("root", "dispositif__title"))
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["root"], []).append({"id": row["dispositif_id"], "title": row["dispositif__title"]})
    return grouped


def map_points(lieux) -> list[dict]:
    """Points for the map as plain data (lat, lon, title, url), capped."""
    points = []
    for lieu in lieux.select_related("dispositif", "commune")[:MAX_MAP_POINTS]:
        points.append({"lat": round(lieu.point.y, 5), "lon": round(lieu.point.x, 5), "title": lieu.dispositif.title,
                       "url": lieu.dispositif.get_absolute_url(), "place": lieu.commune.nom})
    return points


def departement_lieux(departement: Departement, dispositifs):
    return Lieu.objects.filter(commune__departement=departement, dispositif__in=dispositifs.values("pk"))


def outline_geojson(code: str) -> str | None:
    """The département's outline simplified to ~500 m for a map background (a few KB)."""
    simplified = Func(F("contour"), Value(0.005), function="ST_SimplifyPreserveTopology",
                      output_field=MultiPolygonField(srid=4326))
    row = (Departement.objects.filter(code=code, contour__isnull=False)
           .annotate(geojson=AsGeoJSON(simplified, precision=4)).values_list("geojson", flat=True).first())
    return row

