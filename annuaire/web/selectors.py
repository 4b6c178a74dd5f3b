"""Reads the web pages need beyond search: a dispositif's page, a département's actions, outlines."""

from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Count, F, Func, Prefetch, Value
from django.db.models.functions import Coalesce

from dispositifs.models import Dispositif, Lieu
from horaires.models import Fermeture
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



def page_extras(results, today=None) -> dict[int, dict]:
    """What a results page shows beyond the search's columns, for the page's rows only, in three queries:
    contacts (dispositif, else structure), the nearest lieu's opening hours and whether a temporary closure
    covers it `today` (`closed`, as the `ouvert` filter counts it). {dispositif id: {...}}."""
    ids = [r.dispositif.id for r in results]
    extras = {pk: {"phone": phone or s_phone or "", "website": website or s_website or "", "hours": ""}
              for pk, phone, website, s_phone, s_website in Dispositif.objects.filter(pk__in=ids).values_list(
                  "pk", "phone", "website", "structure__phone", "structure__website")}
    lieu_ids = {r.lieu_proche.id: r.dispositif.id for r in results if r.lieu_proche is not None}
    for lieu_id, hours in Lieu.objects.filter(pk__in=lieu_ids).values_list("pk", "opening_hours"):
        extras.setdefault(lieu_ids[lieu_id], {})["hours"] = hours
    if today is not None and lieu_ids:
        closures = Fermeture.objects.filter(dispositif_id__in=list(lieu_ids.values())).covering(today)
        for pk, lieu_id in closures.values_list("dispositif_id", "lieu_id"):
            if lieu_id is None or lieu_ids.get(lieu_id) == pk:
                extras.setdefault(pk, {})["closed"] = True
    return extras


def departement_groups(departement: Departement, dispositifs) -> list[dict]:
    """The département's actions by main theme, then by commune (where a lieu is; "" for those that cover
    the whole territory), with structure names: [{slug, count, communes: [{nom, items: [...]}]}], in three
    queries whatever the number of actions."""
    ids = dispositifs.values("pk")
    info = {row["pk"]: row for row in Dispositif.objects.filter(pk__in=ids).values("pk", "title", "structure__name")}
    places: dict[int, set[str]] = {}
    for pk, nom in (Lieu.objects.filter(dispositif_id__in=ids, commune__departement=departement)
                    .values_list("dispositif_id", "commune__nom").distinct()):
        places.setdefault(pk, set()).add(nom)
    through = Dispositif.themes.through
    roots: dict[str, set[int]] = {}
    for pk, root in (through.objects.filter(dispositif_id__in=ids)
                     .annotate(root=Coalesce("theme__parent_id", "theme_id")).values_list("dispositif_id", "root")):
        roots.setdefault(root, set()).add(pk)
    groups = []
    for slug, pks in roots.items():
        communes: dict[str, list[dict]] = {}
        for pk in pks:
            item = {"id": pk, "title": info[pk]["title"], "structure": info[pk]["structure__name"] or ""}
            for nom in sorted(places.get(pk, {""})):
                communes.setdefault(nom, []).append(item)
        ordered = sorted(communes.items(), key=lambda kv: (kv[0] == "", kv[0]))  # communes A-Z, then "whole"
        groups.append({"slug": slug, "count": len(pks),
                       "communes": [{"nom": nom, "items": sorted(items, key=lambda i: i["title"])}
                                    for nom, items in ordered]})
    return groups
