"""The search function `recherche_locale`: the statement of dispositifs/recherche_sql.py (`LOCAL`) with one
argument per value and per declared filter, which also reads the place it is given. Created on every
`migrate` with the side tables' triggers (side_tables.render)."""

from territoires.models import CommunePiece, Departement, Region

from .filters import FILTRES, keyed_filters
from .recherche_sql import LOCAL, LOCAL_FUNCTION, ORIGIN, T_COMMUNE, function_args

T_COMMUNE_PIECE = CommunePiece._meta.db_table
T_DEPARTEMENT = Departement._meta.db_table
T_REGION = Region._meta.db_table
LOCATE_MAX_KM = 5.0   # CommuneQuerySet.locate's default

# A point given (`lat`/`lon`): the commune it lies in (`CommuneQuerySet.locate`, the same rules): the
# subdivided contour pieces containing it (the smallest code when it is on a border), else the commune whose
# centre is the nearest, if it is within 5 km (the ORM's rough check in degrees, then the geodesic one).
LOCATE = f"""
        SELECT pc.commune_id INTO p_commune FROM {T_COMMUNE_PIECE} pc
        WHERE ST_Intersects(pc.geom, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326)) ORDER BY pc.commune_id LIMIT 1;
        IF p_commune IS NULL THEN
            SELECT c.code, ST_Distance(c.centre, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326)) * 111
              INTO v_found, v_km FROM {T_COMMUNE} c
              ORDER BY c.centre <-> ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326) LIMIT 1;
            IF v_km <= {LOCATE_MAX_KM * 1.5} AND (SELECT ST_Distance(c.centre::geography,
                    ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326)::geography) FROM {T_COMMUNE} c WHERE c.code = v_found)
                    <= {LOCATE_MAX_KM * 1000} THEN
                p_commune := v_found;
            END IF;
        END IF;"""

# The place, read by the function itself from the commune's INSEE code: its point (the given one, else the
# commune's centre), the coverage codes it falls under and what `localisation.Place` holds, as JSON (full
# precision: the national cards measure from the same point). No row: no such commune.
PLACE = f"""
    SELECT x.point, ARRAY['c' || c.code, 'd' || c.departement_id, 'r' || c.region_id]::varchar[],
           json_build_object('lon', ST_X(x.point), 'lat', ST_Y(x.point),
                             'commune', json_build_object('code', c.code, 'nom', c.nom),
                             'departement', json_build_object('code', d.code, 'nom', d.nom),
                             'region', json_build_object('code', r.code, 'nom', r.nom))::text
    FROM {T_COMMUNE} c JOIN {T_DEPARTEMENT} d ON d.code = c.departement_id JOIN {T_REGION} r ON r.code = c.region_id
    CROSS JOIN LATERAL (SELECT coalesce(ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326), c.centre) AS point) x
    WHERE c.code = p_commune"""


def local_function() -> str:
    """CREATE FUNCTION recherche_locale(...): the local statement with one argument per value and per
    declared filter (NULL: not filtering). PL/pgSQL keeps its plan for the connection (generic plan
    forced), so a search pays no planning; applied on migrate with the triggers (side_tables.render).
    Its own settings hold while it runs, whatever the connection's: no parallel workers (they cost more
    than they save on a few-millisecond query and starve the other requests), no bitmap scans (the
    planner would AND the GiST box into the KNN walk). Set here, not per call: two SET LOCAL statements
    before each search cost ~0.4 ms on the bench data."""
    args = function_args()

    def conds(alias):
        parts = [f"({alias}.end_date IS NULL OR {alias}.end_date >= CURRENT_DATE)"]
        for filtre in FILTRES:
            fragment = filtre.sql.replace("{t}", alias)
            parts.append(f"(%({filtre.name})s IS NULL OR ({fragment}))")
        return " AND ".join(parts)

    # In the index's own terms (recherche_cles): the hashed elements wanted and the wildcard 1 (a row with
    # too many elements for the index to hold), or the sentinel 0 every row has.
    keys = " AND ".join(["true"] + [f"recherche_cles(l.{f.key}) && v_{f.name}_cles" for f in keyed_filters()])
    hashed = "".join(f"""
    v_{f.name}_cles int[] := CASE WHEN p_{f.name}_cles IS NULL THEN ARRAY[0]
                                  ELSE ARRAY[1] || ARRAY(SELECT hashtext(s) FROM unnest(p_{f.name}_cles) s) END;"""
                     for f in keyed_filters())
    body = LOCAL.replace("{keys_near}", keys).replace("{where_near}", conds("l")).replace("{where_cover}", conds("c"))
    body = body.replace("{where_nat}", conds("c"))
    body = body.replace(ORIGIN, "v_origin").replace("%(codes)s", "v_codes")
    for name, _ in args:
        body = body.replace(f"%({name})s", f"p_{name}")
    body = body.replace("\nSELECT\n", "\nSELECT v_place,\n", 1)
    signature = ", ".join(f"p_{name} {kind}" for name, kind in args)
    return f"""
CREATE OR REPLACE FUNCTION {LOCAL_FUNCTION}({signature})
RETURNS TABLE (o_place text, o_count bigint, o_facettes text, o_results text, o_nationals bigint[],
               o_generation bigint, o_national boolean)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan SET max_parallel_workers_per_gather = 0
    SET enable_bitmapscan = off AS $fn$
#variable_conflict use_column
DECLARE
    v_point geometry;
    v_codes varchar[];
    v_place text;
    v_origin geography;
    v_found varchar;
    v_km float8;{hashed}
BEGIN
    IF p_commune IS NULL THEN   -- a point: the commune it lies in, else the nearest centre within 5 km
        {LOCATE.strip()}
    END IF;
    {PLACE.strip()} INTO v_point, v_codes, v_place;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    v_origin := v_point::geography;
    RETURN QUERY {body};
END $fn$;
"""


def local_function_drop() -> str:
    """Every signature of the function (a filter added changes it: the old one must go)."""
    return f"""
DO $drop$ DECLARE f regprocedure; BEGIN
    FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE proname = '{LOCAL_FUNCTION}' LOOP
        EXECUTE 'DROP FUNCTION ' || f;
    END LOOP;
END $drop$;
"""
