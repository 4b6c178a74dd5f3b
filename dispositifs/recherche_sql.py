"""The statements behind `recherche.search`: the local part of a search and the national slice.

Why raw SQL: the rules fit the ORM (`DispositifQuerySet.reachable_from`), but the ORM can only
state them as "test every published dispositif" (a CASE of EXISTS per row, 100,000 rows). Fast
is the other way round: start from the indexes (KNN `<->` on the lieux' GiST index bounded by
ST_DWithin; the coverage through tables by code), keep each dispositif once with its finest
reason, then order, count, count per theme and cut the page, all in one round trip. The ORM
cannot express the MATERIALIZED CTEs, DISTINCT ON, LATERAL nearest lieu and json aggregates of
that plan. National offers are the same for every place: they are a separate statement whose
answer `recherche` keeps per filter set.
Every value is a bound parameter; the only formatted parts are table names and fixed fragments."""

from .models import Dispositif, Lieu, Theme
from .querysets import MODALITES_COMPATIBLES, niveaux_accessibles
from .vocabulaires import Public, Statut

# Proximity keeps the KNN_LIMIT nearest matching lieux within the radius: beyond that a person
# does not scroll, and the index scan stays short in the densest cities.
KNN_LIMIT = 200

T_DISPOSITIF = Dispositif._meta.db_table
T_LIEU = Lieu._meta.db_table
T_THEME = Theme._meta.db_table
# One row per lieu with its point and its dispositif's filter columns, kept by triggers (migration
# 0004 says why): the KNN walk filters on the row the index points to, without joins.
T_LIEU_RECHERCHE = "dispositifs_lieu_recherche"
T_FACETTES = "dispositifs_dispositif_facettes"
T_THEMES = Dispositif.themes.through._meta.db_table
T_COMMUNES = Dispositif.communes.through._meta.db_table
T_DEPARTEMENTS = Dispositif.departements.through._meta.db_table
T_REGIONS = Dispositif.regions.through._meta.db_table

ORIGIN = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"


def where_filters(filters, theme_ids, params: dict, alias: str = "d", *, themes_column: bool = False) -> str:
    """SQL conditions on the dispositif row `alias` for the filters (same rules as
    `DispositifQuerySet.matching`); adds its values to `params`. With `themes_column`, `alias` is a
    row of the lieux' side table (T_LIEU_RECHERCHE) whose `themes` array replaces the EXISTS."""
    conds = [f"{alias}.status = %(statut)s", f"({alias}.end_date IS NULL OR {alias}.end_date >= CURRENT_DATE)"]
    params["statut"] = Statut.PUBLIE.value
    if filters.themes and themes_column:
        params["themes"] = list(theme_ids)
        conds.append(f"{alias}.themes && %(themes)s::varchar[]")
    elif filters.themes:
        params["themes"] = list(theme_ids)
        conds.append(f"EXISTS (SELECT 1 FROM {T_THEMES} dt WHERE dt.dispositif_id = {alias}.id "
                     "AND dt.theme_id = ANY(%(themes)s))")
    if filters.public:
        params["public"] = [filters.public]
        params["tous"] = [Public.TOUS.value]
        conds.append(f"({alias}.publics @> %(public)s::varchar[] OR {alias}.publics @> %(tous)s::varchar[] "
                     f"OR {alias}.publics = '{{}}')")
    if filters.langue:
        params["langue"] = [filters.langue]
        empty = f" OR {alias}.languages = '{{}}'" if filters.langue == "fr" else ""
        conds.append(f"({alias}.languages @> %(langue)s::varchar[]{empty})")
    if filters.age is not None:
        params["age"] = filters.age
        conds.append(f"({alias}.age_min IS NULL OR {alias}.age_min <= %(age)s) "
                     f"AND ({alias}.age_max IS NULL OR {alias}.age_max >= %(age)s)")
    if filters.gratuit is not None:
        params["gratuit"] = filters.gratuit
        conds.append(f"{alias}.free = %(gratuit)s")
    if filters.modalite:
        params["modalites"] = [str(m) for m in MODALITES_COMPATIBLES[filters.modalite]]
        conds.append(f"{alias}.modality = ANY(%(modalites)s)")
    if filters.niveau_francais:
        params["niveaux"] = niveaux_accessibles(filters.niveau_francais)
        conds.append(f"{alias}.french_level = ANY(%(niveaux)s)")
    return " AND ".join(conds)


# Counts per theme over the rows of a CTE, a parent theme counting its sub-themes' dispositifs:
# the slugs (own themes and their parents, distinct) come from the side table T_FACETTES (0005).
FACETTES = f"""
    SELECT json_object_agg(f.slug, f.n) FROM (
        SELECT s.slug, count(*) AS n
        FROM {{rows}} r
        JOIN {T_FACETTES} fa ON fa.dispositif_id = r.id
        CROSS JOIN LATERAL unnest(fa.slugs) s(slug)
        WHERE true {{where}}
        GROUP BY s.slug
    ) f"""


def build_local(place, filters, *, theme_ids, offset: int, limit: int) -> tuple[str, dict]:
    """The local part of a search: proximity and coverage of the commune, département, région.

    Returns one row: (count, facettes json, page json, ids of the national dispositifs among them).
    Page rows are [id, rank, distance_m, lieu_id], rank being the index in querysets.PORTEES.
    Facettes leave out national dispositifs when the national slice is added (it counts them)."""
    params = {
        "lon": place.point.x, "lat": place.point.y, "radius_m": filters.rayon_km * 1000.0, "knn": KNN_LIMIT,
        "commune": place.commune.code, "departement": place.departement.code, "region": place.region.code,
        "offset": offset, "limit": limit, "with_national": bool(filters.national),
    }
    where = where_filters(filters, theme_ids, params)
    where_near = where_filters(filters, theme_ids, params, "l", themes_column=True)
    facettes = FACETTES.format(rows="ranked", where="AND NOT (r.national AND %(with_national)s)")
    sql = f"""
WITH near AS MATERIALIZED (
    SELECT DISTINCT ON (k.id) k.id, k.lieu_id, k.dist, k.national FROM (
        SELECT l.dispositif_id AS id, l.lieu_id, ST_Distance(l.point, {ORIGIN}) AS dist, l.national
        FROM {T_LIEU_RECHERCHE} l
        WHERE ST_DWithin(l.point, {ORIGIN}, %(radius_m)s) AND {where_near}
        ORDER BY l.point <-> {ORIGIN}
        LIMIT %(knn)s
    ) k
    ORDER BY k.id, k.dist
),
cover AS MATERIALIZED (
    SELECT d.id, c.level, d.title, d.national
    FROM (
        SELECT c.id, min(c.level) AS level FROM (
            SELECT dispositif_id AS id, 1 AS level FROM {T_COMMUNES} WHERE commune_id = %(commune)s
            UNION ALL SELECT dispositif_id, 2 FROM {T_DEPARTEMENTS} WHERE departement_id = %(departement)s
            UNION ALL SELECT dispositif_id, 3 FROM {T_REGIONS} WHERE region_id = %(region)s
        ) c
        WHERE NOT EXISTS (SELECT 1 FROM near n WHERE n.id = c.id)
        GROUP BY c.id
    ) c
    JOIN {T_DISPOSITIF} d ON d.id = c.id
    WHERE {where}
),
ranked AS MATERIALIZED (
    SELECT n.id, 0 AS level, n.dist, n.lieu_id, ''::text AS title, n.national FROM near n
    UNION ALL
    SELECT c.id, c.level, NULL, NULL, c.title, c.national FROM cover c
),
-- Where each portée starts in the answer: only the levels the page overlaps need the nearest
-- lieu of their coverage matches (one index probe each), the others are only counted.
levels AS (
    SELECT level, count(*) AS n, sum(count(*)) OVER (ORDER BY level) - count(*) AS start
    FROM ranked GROUP BY level
),
window_rows AS (
    SELECT r.id, r.level, coalesce(r.dist, nl.dist) AS dist, coalesce(r.lieu_id, nl.lieu_id) AS lieu_id, r.title,
           l.start
    FROM ranked r
    JOIN levels l ON l.level = r.level AND l.start < %(offset)s + %(limit)s AND l.start + l.n > %(offset)s
    LEFT JOIN LATERAL (
        SELECT l2.id AS lieu_id, ST_Distance(l2.point, {ORIGIN}) AS dist FROM {T_LIEU} l2
        WHERE l2.dispositif_id = r.id AND r.level > 0 ORDER BY 2 LIMIT 1
    ) nl ON true
),
page AS (
    SELECT * FROM (
        SELECT w.*, w.start + row_number() OVER (PARTITION BY w.level ORDER BY w.dist NULLS LAST, w.title, w.id) - 1
               AS pos
        FROM window_rows w
    ) x
    WHERE pos >= %(offset)s AND pos < %(offset)s + %(limit)s
)
SELECT
    (SELECT count(*) FROM ranked),
    ({facettes}),
    (SELECT json_agg(json_build_array(p.id, p.level, p.dist, p.lieu_id) ORDER BY p.pos) FROM page p),
    (SELECT coalesce(array_agg(id), '{{}}') FROM ranked WHERE national)
"""
    return sql, params


def build_national(filters, *, theme_ids) -> tuple[str, dict]:
    """The national slice: every national dispositif passing the filters, by title, and its facettes.
    The same for every place, hence cached per filter set by `recherche`. Returns (ids, facettes)."""
    params = {}
    where = where_filters(filters, theme_ids, params)
    sql = f"""
WITH nat AS MATERIALIZED (SELECT d.id, d.title FROM {T_DISPOSITIF} d WHERE d.national AND {where})
SELECT
    (SELECT coalesce(array_agg(id ORDER BY title, id), '{{}}') FROM nat),
    ({FACETTES.format(rows="nat", where="")})
"""
    return sql, params
