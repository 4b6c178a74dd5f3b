"""The statements behind `recherche.search` (docs/ARCHITECTURE.md, "The search path").

Why raw SQL: the rules fit the ORM (`DispositifQuerySet.reachable_from`), but the ORM can only
state them as "test every published dispositif" (a CASE of EXISTS per row, 100,000 rows). Fast
is the other way round: start from the indexes of the side tables (dispositifs/side_tables.py),
whose rows carry the filter columns of dispositifs/filters.py: KNN `<->` on the lieux' GiST index
bounded by ST_DWithin, then one index range per coverage code (commune, département, région);
keep each dispositif once with its finest reason, then order, count, count per theme, cut the
page and write its results as JSON, all in one round trip. The ORM cannot express the
MATERIALIZED CTEs, DISTINCT ON, LATERAL nearest lieu and JSON aggregates of that plan.

The statement runs as the function `recherche_locale` (dispositifs/recherche_fonction.py), which also
reads the place itself when given an INSEE code or a point. It writes the national results of the page
when the page reaches past the local ones (`nat_page`). National offers are the same for every place:
`build_national` counts them and their facettes (range `n` of the coverage table) and keeps that slice per
filter set and database generation, which the statement then reads (`nat`). Every value is
a bound parameter; the only formatted parts are table names, the declared SQL fragments and fixed
constants.
"""

import functools
import hashlib

from territoires.models import Commune

from .filters import FILTRES, PAGE_SIZE_MAX, keyed_filters
from .localisation import DeferredPlace
from .models import Dispositif, Lieu, Structure, Theme
from .querysets import PORTEES
from .side_tables import RechercheCouverture, RechercheGeneration, RechercheLieu, RechercheNationale

# Proximity keeps the KNN_LIMIT nearest matching lieux within the radius: beyond that a person
# does not scroll, and the index scan stays short in the densest cities.
KNN_LIMIT = 200

T_DISPOSITIF = Dispositif._meta.db_table
T_LIEU = Lieu._meta.db_table
T_STRUCTURE = Structure._meta.db_table
T_THEME = Theme._meta.db_table
T_THEMES = Dispositif.themes.through._meta.db_table
T_COMMUNE = Commune._meta.db_table
T_SIDE_LIEU = RechercheLieu._meta.db_table
T_SIDE_COUVERTURE = RechercheCouverture._meta.db_table
T_GENERATION = RechercheGeneration._meta.db_table
T_NATIONALE = RechercheNationale._meta.db_table

ORIGIN = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
_PORTEES = "ARRAY[" + ", ".join(f"'{p}'" for p in PORTEES) + "]"


def where(filters, alias: str, params: dict) -> str:
    """The conditions on a side-table row `alias`: still running, and each declared filter that
    has a value (its SQL fragment, its value added to `params`)."""
    conds = [f"({alias}.end_date IS NULL OR {alias}.end_date >= CURRENT_DATE)"]
    for filtre in FILTRES:
        value = getattr(filters, filtre.name)
        if filtre.active(value):
            conds.append(filtre.where(alias, value, params))
    return " AND ".join(conds)


def key_where(filters, alias: str, params: dict) -> str:
    """The conditions the lieux' KNN index tests itself (side_tables.proximite_index): for each keyed
    filter with a value, the row has one of its elements. Narrows the walk; `where` still decides."""
    conds = ["true"]
    for filtre in keyed_filters():
        value = getattr(filters, filtre.name)
        if filtre.active(value):
            params[f"{filtre.name}_cles"] = filtre.key_values(value)
            conds.append(f"recherche_cles({alias}.{filtre.key}) && "
                         f"(ARRAY[1] || ARRAY(SELECT hashtext(s) FROM unnest(%({filtre.name}_cles)s::varchar[]) s))")
    return " AND ".join(conds)


# The themes of one result `p`, in Theme order: one probe of the through table's index per result (as a
# grouped CTE joined to the page, the generic plan aggregated the whole page again for every result), then
# one probe of the theme's primary key per theme (LIMIT 1 keeps the planner from hashing the whole
# vocabulary again for every result: -0.15 ms a page on the bench data).
PAGE_THEMES = f"""
        SELECT json_agg(json_build_object('slug', t.slug, 'label', t.label) ORDER BY t.parent_id, t.position, t.slug)
        FROM {T_THEMES} dt CROSS JOIN LATERAL (
            SELECT t.slug, t.label, t.parent_id, t.position FROM {T_THEME} t WHERE t.slug = dt.theme_id LIMIT 1) t
        WHERE dt.dispositif_id = p.id"""

# The results of a page as JSON, from `page(id, level, dist, lieu_id, pos)`: what
# api.serializers.ResultSerializer describes, with the `url` prefix bound as %(url)s.
CARDS = f"""
    SELECT coalesce(json_agg(json_build_object(
        'id', d.id, 'titre', d.title, 'resume', d.summary,
        'structure', CASE WHEN s.id IS NULL THEN NULL ELSE json_build_object('id', s.id, 'nom', s.name) END,
        'themes', coalesce(({PAGE_THEMES}), '[]'),
        'gratuit', d.free, 'modalite', d.modality,
        'portee', ({_PORTEES})[p.level + 1],
        'distance_m', round(p.dist)::int,
        'lieu_proche', CASE WHEN l.id IS NULL THEN NULL ELSE json_build_object(
            'id', l.id, 'nom', l.name, 'adresse', l.address, 'code_postal', l.postal_code,
            'commune', json_build_object('code', c.code, 'nom', c.nom),
            'lat', round(ST_Y(l.point::geometry)::numeric, 6), 'lon', round(ST_X(l.point::geometry)::numeric, 6)) END,
        'url', %(url)s || d.id || '/'
    ) ORDER BY p.pos), '[]')::text
    FROM page p
    JOIN {T_DISPOSITIF} d ON d.id = p.id
    LEFT JOIN {T_STRUCTURE} s ON s.id = d.structure_id
    LEFT JOIN {T_LIEU} l ON l.id = p.lieu_id
    LEFT JOIN {T_COMMUNE} c ON c.code = l.commune_id"""


# The nearest lieu of a dispositif matched by its coverage. Distances are on the sphere (`false`), like
# the ORM twin's (querysets.SphereDistance): within 0.5 % of the spheroid's, which cost 0.4 ms of a
# search's median (most of the KNN walk's time). The radius (ST_DWithin) stays on the spheroid: exact, cheap.
NEAREST = f"""
    SELECT l2.id AS lieu_id, ST_Distance(l2.point, {ORIGIN}, false) AS dist FROM {T_LIEU} l2
    WHERE l2.dispositif_id = {{id}} {{cond}} ORDER BY 2 LIMIT 1"""


LOCAL_FUNCTION = "recherche_locale"

# Facettes of the answer: counts per theme over the local results (the `themes` column holds own themes and
# their parents, so a parent counts its sub-themes' dispositifs once; less the national ones when the
# national slice is added, which counts them) plus the national slice's; most frequent first, then by slug
# in code point order (the order the API shows, written here so the JSON text is handed on as it is).
# unnest() in the select list: one set-returning projection instead of a function scan per row. Written
# as json.dumps writes a dict, so a page reads the same whichever counted the national slice.
MERGED_FACETTES = """
    SELECT '{' || coalesce(string_agg(to_json(f.slug)::text || ': ' || f.n, ', ' ORDER BY f.n DESC, f.slug COLLATE "C"),
                           '') || '}' FROM (
        SELECT u.slug, sum(u.n)::bigint AS n FROM (
            SELECT x.slug, count(*) AS n FROM (
                SELECT unnest(r.themes) AS slug FROM ranked r WHERE NOT (r.national AND %(with_national)s)) x
            GROUP BY x.slug
            UNION ALL
            SELECT e.key, e.value::bigint FROM nat n CROSS JOIN LATERAL jsonb_each_text(n.facettes) e
        ) u GROUP BY u.slug
    ) f"""

# How many local results: the sum of the few rows of `levels` (one per portée), not a scan of `ranked`.
TOTAL = "(SELECT coalesce(sum(lv.n), 0)::bigint FROM levels lv)"

# The national results of a page: from where the page starts in them, as many as it holds.
NAT_WINDOW = (f"OFFSET greatest(0, %(offset)s - {TOTAL}) "
              f"LIMIT greatest(0, %(offset)s + %(limit)s - greatest(%(offset)s, {TOTAL}))")
# The kept slice holds the national results of the page: its first ids are all of them, or as many as the
# page's end among them plus the ones matched closer (left out of the national results).
NAT_HELD = f"""(SELECT EXISTS (SELECT 1 FROM nat n WHERE cardinality(n.premiers) = n.total
    OR cardinality(n.premiers) >= %(offset)s + %(limit)s - {TOTAL} + (SELECT count(*) FROM ranked WHERE national)))"""

# The local statement, written once with %(name)s for its values: the body of the function
# `recherche_locale` (see local_function: planned once per connection, not per search).
LOCAL = f"""
WITH near AS MATERIALIZED (
    SELECT DISTINCT ON (k.id) k.id, k.lieu_id, k.dist, k.national, k.themes FROM (
        SELECT l.dispositif_id AS id, l.lieu_id, ST_Distance(l.point, {ORIGIN}, false) AS dist, l.national, l.themes
        FROM {T_SIDE_LIEU} l
        WHERE ST_DWithin(l.point, {ORIGIN}, %(radius_m)s) AND {{keys_near}} AND {{where_near}}
        ORDER BY l.point <-> {ORIGIN}
        LIMIT %(knn)s
    ) k
    ORDER BY k.id, k.dist
),
-- Read once, by `ranked`: not materialised, its index scan feeds the sort directly (a tuplestore of the
-- ~1,400 coverage rows of a dense région written and read again cost p50 0.3 ms, p95 0.6 ms on the bench data).
cover AS (
    SELECT c.dispositif_id AS id, c.level, c.title, c.national, c.themes
    FROM {T_SIDE_COUVERTURE} c
    WHERE c.code = ANY(%(codes)s) AND {{where_cover}}
),
-- Each dispositif once, with its finest reason (proximity is level 0): one sort, not a probe of
-- `near` per coverage row.
ranked AS MATERIALIZED (
    SELECT DISTINCT ON (u.id) u.* FROM (
        SELECT n.id, 0 AS level, n.dist, n.lieu_id, ''::text AS title, n.national, n.themes FROM near n
        UNION ALL
        SELECT c.id, c.level, NULL, NULL, c.title, c.national, c.themes FROM cover c
    ) u
    ORDER BY u.id, u.level
),
-- Where each portée starts in the answer: only the levels the page overlaps need the nearest
-- lieu of their coverage matches (one index probe each), the others are only counted. The count of
-- the answer is the sum of its few rows (not a scan of `ranked` each time it is needed).
levels AS (
    SELECT level, count(*) AS n, sum(count(*)) OVER (ORDER BY level) - count(*) AS start
    FROM ranked GROUP BY level
),
window_rows AS (
    SELECT r.id, r.level, coalesce(r.dist, nl.dist) AS dist, coalesce(r.lieu_id, nl.lieu_id) AS lieu_id, r.title,
           l.start
    FROM ranked r
    JOIN levels l ON l.level = r.level AND l.start < %(offset)s + %(limit)s AND l.start + l.n > %(offset)s
    LEFT JOIN LATERAL ({NEAREST.format(id="r.id", cond="AND r.level > 0")}) nl ON true
),
page AS MATERIALIZED (
    SELECT * FROM (
        SELECT w.*, w.start + row_number() OVER (PARTITION BY w.level ORDER BY w.dist NULLS LAST, w.title, w.id) - 1
               AS pos
        FROM window_rows w
    ) x
    WHERE pos >= %(offset)s AND pos < %(offset)s + %(limit)s
),
-- The national slice of these filters, counted for this generation and day by the first search that
-- needed it (`recherche.national_slice`): merged here into the count and the facettes. None: the last
-- column is false and the caller counts it.
nat AS MATERIALIZED (
    SELECT n.total, n.facettes, n.premiers FROM {T_NATIONALE} n
    WHERE %(with_national)s AND n.cle = %(national_key)s AND n.jour = CURRENT_DATE
      AND n.generation = (SELECT max(id) FROM {T_GENERATION})
),
-- The national part of the page when it reaches past the local results, in title order less the ones
-- matched closer, from where the page starts in it (no rows read when the page holds none, or without the
-- national offers): from the kept slice's first ids when they hold the page (NAT_HELD), else from the
-- `n` range of the coverage index (already in title order). A filter few national offers pass reads
-- that whole range to fill a page: 3.5 ms of the slowest searches on the bench data.
nat_page AS MATERIALIZED (
    SELECT x.id, {PORTEES.index("national")} AS level, nl.dist, nl.lieu_id, 1000000 + x.rank AS pos FROM (
        (SELECT k.id, k.rank FROM (
            SELECT p.id, row_number() OVER (ORDER BY p.ord) AS rank
            FROM nat n CROSS JOIN LATERAL unnest(n.premiers) WITH ORDINALITY p(id, ord)
            WHERE p.id NOT IN (SELECT r.id FROM ranked r WHERE r.national)
        ) k
        WHERE {NAT_HELD}
        ORDER BY k.rank
        {NAT_WINDOW})
        UNION ALL
        (SELECT c.dispositif_id AS id, row_number() OVER (ORDER BY c.title, c.dispositif_id) AS rank
        FROM {T_SIDE_COUVERTURE} c
        WHERE %(with_national)s AND NOT {NAT_HELD} AND c.code = 'n' AND {{where_nat}}
          AND c.dispositif_id NOT IN (SELECT r.id FROM ranked r WHERE r.national)
        ORDER BY c.title, c.dispositif_id
        {NAT_WINDOW})
    ) x
    LEFT JOIN LATERAL ({NEAREST.format(id="x.id", cond="")}) nl ON true
)
SELECT
    {TOTAL} + coalesce((SELECT n.total - (SELECT count(*) FROM ranked WHERE national) FROM nat n), 0),
    ({MERGED_FACETTES}),
    ({CARDS.replace("FROM page p", "FROM (SELECT id, level, dist, lieu_id, pos FROM page UNION ALL "
                                   "SELECT id, level, dist, lieu_id, pos FROM nat_page) p")}),
    (SELECT coalesce(array_agg(id), '{{}}') FROM ranked WHERE national),
    (SELECT max(id) FROM {T_GENERATION}),
    NOT %(with_national)s OR EXISTS (SELECT 1 FROM nat)
"""

LOCAL_ARGS = [("commune", "varchar"), ("lon", "float8"), ("lat", "float8"), ("radius_m", "float8"),
              ("knn", "integer"), ("offset", "integer"), ("limit", "integer"), ("with_national", "boolean"),
              ("url", "text"), ("national_key", "varchar")]

def function_args() -> list[tuple[str, str]]:
    """The function's arguments: the statement's values, one per declared filter, one per keyed filter
    (the elements its rows need one of, for the index)."""
    return (LOCAL_ARGS + [(f.name, f.sql_type) for f in FILTRES]
            + [(f"{f.name}_cles", "varchar[]") for f in keyed_filters()])


def _where_from(place) -> tuple[str, object]:
    """(INSEE code or None, (lon, lat) or None) of a place: a DeferredPlace is only its code or its point,
    the function reads the rest."""
    if isinstance(place, DeferredPlace):
        return place.code, None if place.code is not None else (place.lon, place.lat)
    return place.commune.code, (place.point.x, place.point.y)


def national_key(filters) -> str:
    """The key of a filter set's national slice (RechercheNationale.cle)."""
    return hashlib.sha1(repr([getattr(filters, f.name) for f in FILTRES]).encode()).hexdigest()


def build_local(place, filters, *, offset: int, limit: int, url: str) -> tuple[str, dict]:
    """The search: proximity and coverage of the commune, département, région, and the national slice
    when it was already counted for these filters.

    `place` is a `Place`, or a `DeferredPlace` (an INSEE code) that the function reads itself. Returns
    one row, none when the commune does not exist: (place JSON, count, facettes JSON text, page results
    JSON text, ids of the national dispositifs among them, generation, whether the national slice is
    in). Without the national slice, count and facettes leave out the national dispositifs (it counts
    them): the caller counts the slice (`build_national`) and adds it."""
    code, point = _where_from(place)
    params = {
        "commune": code, "lon": point[0] if point else None, "lat": point[1] if point else None,
        "radius_m": filters.rayon_km * 1000.0, "knn": KNN_LIMIT,
        "offset": offset, "limit": limit, "with_national": bool(filters.national), "url": url,
        "national_key": national_key(filters) if filters.national else "",
    }
    for filtre in FILTRES:
        value = getattr(filters, filtre.name)
        params[filtre.name] = filtre.sql_value(value) if filtre.active(value) else None
    for filtre in keyed_filters():
        value = getattr(filters, filtre.name)
        params[f"{filtre.name}_cles"] = filtre.key_values(value) if filtre.active(value) else None
    return local_call(), params


@functools.cache
def local_call() -> str:
    """The call of the search function with every value bound (the same text for every search)."""
    call = ", ".join(f"%({name})s::{kind}" for name, kind in function_args())
    return f"SELECT * FROM {LOCAL_FUNCTION}({call})"


def build_local_inline(place, filters, *, offset: int, limit: int, url: str) -> tuple[str, dict]:
    """The body of `recherche_locale` as one plain statement with these values bound, for EXPLAIN
    (the function call itself shows only "Function Scan"). `place` is a resolved `Place`."""
    _, params = build_local(place, filters, offset=offset, limit=limit, url=url)
    params["codes"] = ["c" + place.commune.code, "d" + place.departement.code, "r" + place.region.code]
    sql = LOCAL.replace("{keys_near}", key_where(filters, "l", params))
    sql = sql.replace("{where_near}", where(filters, "l", params))
    sql = sql.replace("{where_cover}", where(filters, "c", params))
    sql = sql.replace("{where_nat}", where(filters, "c", params))
    return sql.replace("%(codes)s", "%(codes)s::varchar[]"), params


def build_national(filters, key: str | None) -> tuple[str, dict]:
    """The national slice: how many national dispositifs pass the filters, their facettes and the first
    NATIONAL_PREFIX of their ids in title order, the same for every place; kept under `key` in the table the
    search statement reads (`nat` above), for the generation and day it was counted (None: counted only).
    Returns (count, facettes JSON text, generation); to be run on the primary when it keeps the slice (it
    writes)."""
    params: dict = {"key": key, "prefix": NATIONAL_PREFIX}
    where_nat = where(filters, "c", params)
    sql = f"""
WITH nat AS MATERIALIZED (
    SELECT c.dispositif_id AS id, c.title, c.themes FROM {T_SIDE_COUVERTURE} c WHERE c.code = 'n' AND {where_nat}
),
slice AS MATERIALIZED (
    SELECT (SELECT count(*) FROM nat)::int AS total, (SELECT max(id) FROM {T_GENERATION}) AS generation,
           (SELECT coalesce(jsonb_object_agg(f.slug, f.n), '{{}}') FROM (
                SELECT x.slug, count(*) AS n FROM (SELECT unnest(r.themes) AS slug FROM nat r) x GROUP BY x.slug
            ) f) AS facettes,
           ARRAY(SELECT r.id FROM nat r ORDER BY r.title, r.id LIMIT %(prefix)s) AS premiers
){"," + KEPT if key is not None else ""}
SELECT s.total, s.facettes::text, s.generation FROM slice s
"""
    return sql, params


# How many national ids a kept slice lists, in title order: a page within them reads no coverage range.
NATIONAL_PREFIX = 2 * PAGE_SIZE_MAX

KEPT = f"""kept AS (
    INSERT INTO {T_NATIONALE} AS t (cle, jour, generation, total, facettes, premiers)
    SELECT %(key)s, CURRENT_DATE, s.generation, s.total, s.facettes, s.premiers FROM slice s
    WHERE s.generation IS NOT NULL
    ON CONFLICT (cle) DO UPDATE SET jour = EXCLUDED.jour, generation = EXCLUDED.generation,
        total = EXCLUDED.total, facettes = EXCLUDED.facettes, premiers = EXCLUDED.premiers
    WHERE (t.jour, t.generation) < (EXCLUDED.jour, EXCLUDED.generation)
)"""
