"""Density of local actions per département and per commune, counted in PostGIS.

A *local action* of a territory is a published, non-national dispositif with a lieu in it or a
coverage naming it or its région (a région coverage counts in each of its départements, a commune
coverage in that commune's département). Counts are per 100,000 inhabitants and per main theme
(a sub-theme counts for its parent category).

Raw SQL: the count is a GROUP BY over a UNION of four link tables (lieux, and the three coverage
M2M tables); the ORM cannot express a UNION inside a join, and a Python loop over dispositifs
would not scale to the 100,000-dispositif benchmark.
"""

from dataclasses import dataclass, field

from django.db import connection

from dispositifs.vocabulaires import Statut


def pairs_sql(level: str = "all") -> str:
    """(dispositif_id, dep) pairs: every way a dispositif is local to a département (UNION dedups).

    `level` narrows them inside each branch, so the planner reads only the rows of one territory:
    "departement" keeps the pairs of département %(code)s, "region" those of région %(code)s."""
    where = {
        "all": ("", "", "", ""),
        # A prefix LIKE uses the varchar_pattern_ops index on commune_id (the INSEE code starts with
        # the département's; no département code is a prefix of another's communes).
        "departement": ("WHERE l.commune_id LIKE %(code)s || '%%'", "WHERE dd.departement_id = %(code)s",
                        "WHERE d.code = %(code)s", "WHERE dc.commune_id LIKE %(code)s || '%%'"),
        "region": ("WHERE c.region_id = %(code)s", "WHERE d.region_id = %(code)s",
                   "WHERE dr.region_id = %(code)s", "WHERE c.region_id = %(code)s"),
    }[level]
    # The région level needs the commune row (its région); the others read the département off the
    # INSEE code, which saves a 35,000-row hash join per branch on a national count.
    lieux_from = ("dispositifs_lieu l JOIN territoires_commune c ON c.code = l.commune_id" if level == "region"
                  else "dispositifs_lieu l")
    communes_from = ("dispositifs_dispositif_communes dc JOIN territoires_commune c ON c.code = dc.commune_id"
                     if level == "region" else "dispositifs_dispositif_communes dc")
    return f"""
    SELECT l.dispositif_id, {_DEP_OF('l.commune_id')} AS dep FROM {lieux_from} {where[0]}
    UNION
    SELECT dd.dispositif_id, dd.departement_id
      FROM dispositifs_dispositif_departements dd
      JOIN territoires_departement d ON d.code = dd.departement_id {where[1]}
    UNION
    SELECT dr.dispositif_id, d.code
      FROM dispositifs_dispositif_regions dr JOIN territoires_departement d ON d.region_id = dr.region_id {where[2]}
    UNION
    SELECT dc.dispositif_id, {_DEP_OF('dc.commune_id')} FROM {communes_from} {where[3]}
"""


def _DEP_OF(column: str) -> str:  # noqa: N802 (reads as SQL)
    """The département of an INSEE commune code: its first 2 characters (2A, 2B included), 3 overseas
    (97x). True of every commune of the COG (checked by tests/test_maps_stats.py)."""
    return f"(CASE WHEN {column} LIKE '97%%' THEN left({column}, 3) ELSE left({column}, 2) END)"


# Restricts to published, non-national dispositifs, optionally on a theme or its sub-themes.
_LOCAL_FILTER = """
    JOIN dispositifs_dispositif d ON d.id = {alias}.dispositif_id AND d.status = %(publie)s AND NOT d.national
    WHERE (%(theme)s::text IS NULL OR EXISTS (
        SELECT 1 FROM dispositifs_dispositif_themes dt JOIN dispositifs_theme t ON t.slug = dt.theme_id
         WHERE dt.dispositif_id = d.id AND (t.slug = %(theme)s OR t.parent_id = %(theme)s)))
"""

# `local` holds distinct (dispositif, dep) pairs, so a count(*) is a count of dispositifs; per main
# theme, a dispositif's roots are made distinct first (two sub-themes of one category count once).
# Hash aggregates only: a count(DISTINCT) over GROUPING SETS sorted 260k rows on disk (0.4 s more),
# and `roots` over the whole table hashes faster than an IN (local) the planner turns into a sort.
_SQL_DEPARTEMENTS = """
WITH pairs AS MATERIALIZED ({pairs}),
local AS MATERIALIZED (SELECT p.dispositif_id, p.dep FROM pairs p {local_filter}),
theme_root AS (  -- 85 themes -> a small integer per main theme: the DISTINCT below hashes 16-byte rows
    SELECT t.slug, r.n AS root_n, r.root FROM dispositifs_theme t
      JOIN (SELECT slug AS root, row_number() OVER (ORDER BY slug)::int AS n FROM dispositifs_theme
             WHERE parent_id IS NULL) r ON r.root = COALESCE(t.parent_id, t.slug)
),
roots AS (
    SELECT DISTINCT dt.dispositif_id, tr.root_n
      FROM dispositifs_dispositif_themes dt JOIN theme_root tr ON tr.slug = dt.theme_id
),
totals AS (SELECT dep, count(*) AS n FROM local GROUP BY dep),
by_theme AS (SELECT local.dep, roots.root_n, count(*) AS n FROM local JOIN roots USING (dispositif_id) GROUP BY 1, 2),
themes AS (
    SELECT b.dep, jsonb_object_agg(r.root, b.n) AS themes
      FROM by_theme b JOIN (SELECT DISTINCT root_n, root FROM theme_root) r ON r.root_n = b.root_n
     GROUP BY b.dep
)
SELECT dep.code, dep.nom, dep.region_id, r.nom, dep.population, COALESCE(totals.n, 0),
       COALESCE(themes.themes, '{{}}'::jsonb)
  FROM territoires_departement dep JOIN territoires_region r ON r.code = dep.region_id
  LEFT JOIN totals ON totals.dep = dep.code
  LEFT JOIN themes ON themes.dep = dep.code
 {where}
 ORDER BY dep.code
"""
SQL_DEPARTEMENTS = _SQL_DEPARTEMENTS.format(pairs=pairs_sql("all"), local_filter=_LOCAL_FILTER.format(alias="p"),
                                            where="")
SQL_ONE_DEPARTEMENT = _SQL_DEPARTEMENTS.format(pairs=pairs_sql("departement"),
                                               local_filter=_LOCAL_FILTER.format(alias="p"),
                                               where="WHERE dep.code = %(code)s")

# Inside one département: actions located in each commune (a lieu there or a coverage naming the
# commune), and the département-wide ones (coverage of the département or its région) that reach
# every commune. total per commune = here + wide - (here ∩ wide).
SQL_COMMUNES = f"""
WITH wide_raw AS (
    SELECT dispositif_id FROM dispositifs_dispositif_departements WHERE departement_id = %(departement)s
    UNION
    SELECT dr.dispositif_id FROM dispositifs_dispositif_regions dr
      JOIN territoires_departement dep ON dep.region_id = dr.region_id WHERE dep.code = %(departement)s
),
wide AS MATERIALIZED (SELECT w.dispositif_id FROM wide_raw w {_LOCAL_FILTER.format(alias="w")}),
here_raw AS (
    SELECT l.dispositif_id, l.commune_id AS commune FROM dispositifs_lieu l
      JOIN territoires_commune c ON c.code = l.commune_id WHERE c.departement_id = %(departement)s
    UNION
    SELECT dc.dispositif_id, dc.commune_id FROM dispositifs_dispositif_communes dc
      JOIN territoires_commune c ON c.code = dc.commune_id WHERE c.departement_id = %(departement)s
),
here AS MATERIALIZED (SELECT h.dispositif_id, h.commune FROM here_raw h {_LOCAL_FILTER.format(alias="h")}),
lieux AS (
    SELECT l.commune_id AS commune, count(*) AS n FROM dispositifs_lieu l
      JOIN territoires_commune c ON c.code = l.commune_id
      JOIN dispositifs_dispositif d ON d.id = l.dispositif_id AND d.status = %(publie)s AND NOT d.national
     WHERE c.departement_id = %(departement)s GROUP BY l.commune_id
),
per_theme AS (
    SELECT here.commune, COALESCE(t.parent_id, t.slug) AS root, count(DISTINCT here.dispositif_id) AS n
      FROM here JOIN dispositifs_dispositif_themes dt ON dt.dispositif_id = here.dispositif_id
      JOIN dispositifs_theme t ON t.slug = dt.theme_id
     GROUP BY 1, 2
),
themes_by_commune AS (SELECT commune, jsonb_object_agg(root, n) AS themes FROM per_theme GROUP BY commune),
per_commune AS (
    SELECT here.commune, count(*) AS sur_place,
           count(*) FILTER (WHERE here.dispositif_id IN (SELECT dispositif_id FROM wide)) AS overlap
      FROM here GROUP BY here.commune
)
SELECT c.code, c.nom, c.population, COALESCE(pc.sur_place, 0), COALESCE(pc.overlap, 0),
       COALESCE(lx.n, 0),
       COALESCE(tc.themes, '{{}}'::jsonb)
  FROM territoires_commune c
  LEFT JOIN per_commune pc ON pc.commune = c.code
  LEFT JOIN lieux lx ON lx.commune = c.code
  LEFT JOIN themes_by_commune tc ON tc.commune = c.code
 WHERE c.departement_id = %(departement)s
 ORDER BY c.code
"""

SQL_WIDE_THEMES = f"""
WITH wide_raw AS (
    SELECT dispositif_id FROM dispositifs_dispositif_departements WHERE departement_id = %(departement)s
    UNION
    SELECT dr.dispositif_id FROM dispositifs_dispositif_regions dr
      JOIN territoires_departement dep ON dep.region_id = dr.region_id WHERE dep.code = %(departement)s
),
wide AS MATERIALIZED (SELECT w.dispositif_id FROM wide_raw w {_LOCAL_FILTER.format(alias="w")})
SELECT COALESCE(t.parent_id, t.slug) AS root, count(DISTINCT wide.dispositif_id),
       GROUPING(COALESCE(t.parent_id, t.slug)) AS all_themes
  FROM wide LEFT JOIN dispositifs_dispositif_themes dt ON dt.dispositif_id = wide.dispositif_id
  LEFT JOIN dispositifs_theme t ON t.slug = dt.theme_id
 GROUP BY ROLLUP (COALESCE(t.parent_id, t.slug))
"""


def per_100k(count: int, population: int) -> float | None:
    """Actions per 100,000 inhabitants, rounded to 2 decimals; None when the population is unknown."""
    if not population:
        return None
    return round(count * 100_000 / population, 2)


@dataclass
class DepartementDensite:
    code: str
    nom: str
    region_code: str
    region_nom: str
    population: int
    actions: int
    themes: dict[str, int] = field(default_factory=dict)

    @property
    def pour_100000(self) -> float | None:
        return per_100k(self.actions, self.population)

    def as_dict(self) -> dict:
        return {"code": self.code, "nom": self.nom, "region": {"code": self.region_code, "nom": self.region_nom},
                "population": self.population, "actions": self.actions, "pour_100000": self.pour_100000,
                "themes": dict(sorted(self.themes.items()))}


@dataclass
class CommuneDensite:
    code: str
    nom: str
    population: int
    actions: int  # every local action reaching the commune (here + département-wide)
    sur_place: int  # with a lieu in the commune or a coverage naming it
    lieux: int  # published, non-national lieux in the commune
    themes: dict[str, int] = field(default_factory=dict)  # of the actions sur place

    @property
    def pour_100000(self) -> float | None:
        return per_100k(self.actions, self.population)

    def as_dict(self) -> dict:
        return {"code": self.code, "nom": self.nom, "population": self.population, "actions": self.actions,
                "pour_100000": self.pour_100000, "sur_place": self.sur_place, "lieux": self.lieux,
                "themes": dict(sorted(self.themes.items()))}


@dataclass
class DensiteCommunes:
    departement: DepartementDensite
    couverture_actions: int  # actions covering the whole département (its code or its région's)
    couverture_themes: dict[str, int]
    communes: list[CommuneDensite]


def _params(**extra) -> dict:
    return {"publie": Statut.PUBLIE.value, "theme": None, "departement": None, "code": None, **extra}


def densite_departements(*, theme: str | None = None, departement: str | None = None) -> list[DepartementDensite]:
    """Local actions of every département (or one), per 100,000 inhabitants and per main theme."""
    with connection.cursor() as cursor:
        if departement:
            cursor.execute(SQL_ONE_DEPARTEMENT, _params(theme=theme, code=departement))
        else:
            cursor.execute(SQL_DEPARTEMENTS, _params(theme=theme))
        rows = cursor.fetchall()
    return [DepartementDensite(code=r[0], nom=r[1], region_code=r[2], region_nom=r[3], population=r[4],
                               actions=r[5], themes=_json(r[6])) for r in rows]


def densite_communes(departement: str, *, theme: str | None = None) -> DensiteCommunes | None:
    """Local actions of every commune of one département; None when the département is unknown."""
    deps = densite_departements(theme=theme, departement=departement)
    if not deps:
        return None
    params = _params(theme=theme, departement=departement)
    with connection.cursor() as cursor:
        cursor.execute(SQL_WIDE_THEMES, params)
        wide_rows = cursor.fetchall()
        cursor.execute(SQL_COMMUNES, params)
        rows = cursor.fetchall()
    wide_total = next((n for _root, n, total in wide_rows if total), 0)
    wide_themes = {root: n for root, n, total in wide_rows if not total and root is not None}
    communes = [
        CommuneDensite(code=r[0], nom=r[1], population=r[2], actions=r[3] + wide_total - r[4], sur_place=r[3],
                       lieux=r[5], themes=_json(r[6]))
        for r in rows
    ]
    return DensiteCommunes(departement=deps[0], couverture_actions=wide_total, couverture_themes=wide_themes,
                           communes=communes)


def _json(value) -> dict:
    if isinstance(value, str):  # psycopg returns jsonb decoded; a text cast would not be
        import json

        return json.loads(value)
    return dict(value or {})
