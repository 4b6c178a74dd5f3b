"""Geometries for the maps, simplified in PostGIS so the HTML stays light and the PNG fast.

Outlines are simplified with ST_SimplifyPreserveTopology (no self-intersections, no vanished
islands) and written with 4 decimals (~10 m), which is finer than a screen pixel at the zoom
levels where these layers are read; France's 101 départements weigh ~400 kB this way instead
of 1.5 MB.
"""

import json
import time
from collections import OrderedDict

from django.db import connection

from dispositifs.vocabulaires import Statut

DEPARTEMENT_TOLERANCE = 0.005  # degrees, ~400 m: the national choropleth
COMMUNE_TOLERANCE = 0.0008  # degrees, ~80 m: communes of one département
OUTRE_MER = ("971", "972", "973", "974", "976")

# Outlines are reference data (load_territoires, once a year): each worker keeps the simplified,
# parsed ones for an hour instead of simplifying and parsing 400 kB again for every map (~130 ms).
CACHE_SECONDS = 3600
CACHE_ENTRIES = 32
_cache: OrderedDict = OrderedDict()


def _cached(key, compute):
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        _cache.move_to_end(key)
        return hit[1]
    value = compute()
    _cache[key] = (now, value)
    while len(_cache) > CACHE_ENTRIES:
        _cache.popitem(last=False)
    return value


def clear_cache():
    _cache.clear()


def departements_geojson(*, tolerance: float = DEPARTEMENT_TOLERANCE) -> dict[str, dict]:
    """{code: GeoJSON geometry} of every département (cached, see _cached)."""
    return _cached((connection.alias, connection.settings_dict["NAME"], "departements", tolerance),
                   lambda: _departements_geojson(tolerance))


def _departements_geojson(tolerance: float) -> dict[str, dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(contour, %s), 4) "
            "FROM territoires_departement WHERE contour IS NOT NULL ORDER BY code", [tolerance])
        return {code: json.loads(geom) for code, geom in cursor.fetchall()}


def departements_wkb(*, tolerance: float = DEPARTEMENT_TOLERANCE) -> dict[str, bytes]:
    """{code: WKB} for the static maps (shapely reads WKB without parsing text)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, ST_AsBinary(ST_SimplifyPreserveTopology(contour, %s)) "
            "FROM territoires_departement WHERE contour IS NOT NULL ORDER BY code", [tolerance])
        return {code: bytes(wkb) for code, wkb in cursor.fetchall()}


def _simplified_contour(fmt: str) -> str:
    """The SELECT expression of a contour simplified in PostGIS: GeoJSON text (4 decimals) or WKB."""
    if fmt == "geojson":
        return "ST_AsGeoJSON(ST_SimplifyPreserveTopology(contour, %s), 4)"
    return "ST_AsBinary(ST_SimplifyPreserveTopology(contour, %s))"


def departement_outline(code: str, *, tolerance: float = COMMUNE_TOLERANCE, fmt: str = "geojson"):
    """(simplified contour, Leaflet bounds). A territory without contour (Saint-Martin,
    Saint-Barthélemy) has no outline and is framed around its communes' points (about 8 km)."""
    expr = _simplified_contour(fmt)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT {expr}, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
                SELECT contour, coalesce(contour::box2d, (SELECT ST_Expand(ST_Extent(centre), 0.08)
                    FROM territoires_commune WHERE departement_id = d.code)) AS e
                FROM territoires_departement d WHERE code = %s) x""", [tolerance, code])
        row = cursor.fetchone()
    if row is None or row[1] is None:
        return None, None
    geom = None if row[0] is None else json.loads(row[0]) if fmt == "geojson" else bytes(row[0])
    return geom, [[row[2], row[1]], [row[4], row[3]]]  # Leaflet bounds [[south, west], [north, east]]


def communes_geometries(departement: str, *, tolerance: float = COMMUNE_TOLERANCE, fmt: str = "geojson"):
    """{code: geometry} of the communes of a département (contour, else nothing; cached)."""
    return _cached((connection.alias, connection.settings_dict["NAME"], "communes", departement, tolerance, fmt),
                   lambda: _communes_geometries(departement, tolerance, fmt))


def _communes_geometries(departement: str, tolerance: float, fmt: str):
    expr = _simplified_contour(fmt)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code, {expr} FROM territoires_commune "
                       "WHERE departement_id = %s AND contour IS NOT NULL ORDER BY code", [tolerance, departement])
        rows = cursor.fetchall()
    if fmt == "geojson":
        return {code: json.loads(geom) for code, geom in rows}
    return {code: bytes(geom) for code, geom in rows}


def lieux_of_departement(departement: str, *, theme: str | None = None) -> list[tuple]:
    """(lat, lon, main theme, dispositif id, title) of the published, non-national lieux of a
    département; the main theme is the category of the dispositif's first theme (by slug)."""
    sql = """
        SELECT round(ST_Y(l.point::geometry)::numeric, 5)::float, round(ST_X(l.point::geometry)::numeric, 5)::float,
               (SELECT COALESCE(t.parent_id, t.slug) FROM dispositifs_dispositif_themes dt
                  JOIN dispositifs_theme t ON t.slug = dt.theme_id
                 WHERE dt.dispositif_id = d.id ORDER BY dt.theme_id LIMIT 1) AS root,
               d.id, d.title
          FROM dispositifs_lieu l
          JOIN territoires_commune c ON c.code = l.commune_id
          JOIN dispositifs_dispositif d ON d.id = l.dispositif_id
         WHERE c.departement_id = %(dep)s AND d.status = %(publie)s AND NOT d.national
           AND (%(theme)s::text IS NULL OR EXISTS (
                SELECT 1 FROM dispositifs_dispositif_themes dt JOIN dispositifs_theme t ON t.slug = dt.theme_id
                 WHERE dt.dispositif_id = d.id AND (t.slug = %(theme)s OR t.parent_id = %(theme)s)))
         ORDER BY l.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"dep": departement, "publie": Statut.PUBLIE.value, "theme": theme})
        return cursor.fetchall()


def coverage_actions(departement: str, *, theme: str | None = None, limit: int = 200) -> tuple[int, list[tuple]]:
    """Published, non-national dispositifs that cover the whole département (its code or its
    région's): (total, [(id, title, level)] up to `limit`, by title)."""
    sql = """
        WITH wide AS (
            SELECT dispositif_id, 'département' AS level FROM dispositifs_dispositif_departements
             WHERE departement_id = %(dep)s
            UNION
            SELECT dr.dispositif_id, 'région' FROM dispositifs_dispositif_regions dr
              JOIN territoires_departement dep ON dep.region_id = dr.region_id WHERE dep.code = %(dep)s
        )
        SELECT d.id, d.title, min(wide.level), count(*) OVER () FROM wide
          JOIN dispositifs_dispositif d ON d.id = wide.dispositif_id AND d.status = %(publie)s AND NOT d.national
         WHERE (%(theme)s::text IS NULL OR EXISTS (
                SELECT 1 FROM dispositifs_dispositif_themes dt JOIN dispositifs_theme t ON t.slug = dt.theme_id
                 WHERE dt.dispositif_id = d.id AND (t.slug = %(theme)s OR t.parent_id = %(theme)s)))
         GROUP BY d.id, d.title ORDER BY d.title LIMIT %(limit)s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"dep": departement, "publie": Statut.PUBLIE.value, "theme": theme, "limit": limit})
        rows = cursor.fetchall()
    total = rows[0][3] if rows else 0
    return total, [(r[0], r[1], r[2]) for r in rows]


def theme_lieux(theme: str, *, departement: str | None = None) -> list[tuple]:
    """(lat, lon, dispositif id, title) of the published lieux on a theme (or its sub-themes),
    national dispositifs included, in a département or everywhere."""
    sql = """
        SELECT round(ST_Y(l.point::geometry)::numeric, 5)::float, round(ST_X(l.point::geometry)::numeric, 5)::float,
               d.id, d.title
          FROM dispositifs_lieu l
          JOIN dispositifs_dispositif d ON d.id = l.dispositif_id AND d.status = %(publie)s
          JOIN territoires_commune c ON c.code = l.commune_id
         WHERE (%(dep)s::text IS NULL OR c.departement_id = %(dep)s)
           AND EXISTS (SELECT 1 FROM dispositifs_dispositif_themes dt JOIN dispositifs_theme t ON t.slug = dt.theme_id
                        WHERE dt.dispositif_id = d.id AND (t.slug = %(theme)s OR t.parent_id = %(theme)s))
         ORDER BY l.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"dep": departement, "publie": Statut.PUBLIE.value, "theme": theme})
        return cursor.fetchall()
