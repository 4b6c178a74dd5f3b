"""Gap analysis: the communes whose centre is farther than N km from any lieu of a theme.

"How many people in this département live more than 10 km from a French class?" Answered in
PostGIS: a commune is a gap when no lieu of a published dispositif on the theme (or a sub-theme)
lies within N km of its centre — `ST_DWithin` on geography through the GiST index of lieux —
and the distance to the nearest one is then found by a KNN (`<->`) scan of that same index.
National dispositifs' lieux count: a place is a place, whoever runs it.
"""

import csv
from dataclasses import dataclass, field

from django.db import connection

from dispositifs.models import Theme
from dispositifs.vocabulaires import Statut
from territoires.models import Departement

# Raw SQL: the ORM cannot express a LATERAL KNN join, and the NOT EXISTS must stay a correlated
# index probe (one ST_DWithin per commune) rather than a join the planner might hash.
SQL_GAPS = """
WITH themed AS MATERIALIZED (
    SELECT DISTINCT dt.dispositif_id FROM dispositifs_dispositif_themes dt
      JOIN dispositifs_theme t ON t.slug = dt.theme_id
      JOIN dispositifs_dispositif d ON d.id = dt.dispositif_id AND d.status = %(publie)s
     WHERE t.slug = %(theme)s OR t.parent_id = %(theme)s
)
SELECT c.code, c.nom, c.departement_id, c.population, ST_X(c.centre), ST_Y(c.centre),
       (SELECT ST_Distance(l.point, c.centre::geography) FROM dispositifs_lieu l
         WHERE l.dispositif_id IN (SELECT dispositif_id FROM themed)
         ORDER BY l.point <-> c.centre::geography LIMIT 1) AS nearest_m
  FROM territoires_commune c
 WHERE (%(departement)s::text IS NULL OR c.departement_id = %(departement)s)
   AND NOT EXISTS (
        SELECT 1 FROM dispositifs_lieu l
         WHERE ST_DWithin(l.point, c.centre::geography, %(metres)s)
           AND l.dispositif_id IN (SELECT dispositif_id FROM themed))
 ORDER BY c.population DESC, c.code
"""

SQL_TOTALS = """
SELECT count(*), COALESCE(sum(population), 0) FROM territoires_commune
 WHERE (%(departement)s::text IS NULL OR departement_id = %(departement)s)
"""


@dataclass
class GapCommune:
    code: str
    nom: str
    departement: str
    population: int
    lon: float
    lat: float
    nearest_km: float | None  # None: no lieu of the theme anywhere

    def as_dict(self) -> dict:
        return {"code": self.code, "nom": self.nom, "departement": self.departement, "population": self.population,
                "distance_km": self.nearest_km, "centre": {"lat": round(self.lat, 5), "lon": round(self.lon, 5)}}


@dataclass
class GapReport:
    theme: str
    theme_label: str
    km: float
    departement: str | None
    territoire: str
    communes_total: int
    population_total: int
    communes: list[GapCommune] = field(default_factory=list)

    @property
    def population_gap(self) -> int:
        return sum(c.population for c in self.communes)

    @property
    def share(self) -> float:
        return self.population_gap / self.population_total if self.population_total else 0.0

    def summary(self) -> str:
        people = f"{self.population_gap:,}".replace(",", " ")
        km = f"{self.km:g}".replace(".", ",")
        return (f"{self.territoire} : {people} habitants ({_pct(self.share)}) vivent à plus de {km} km d'un lieu "
                f"« {self.theme_label} » ({len(self.communes)} communes sur {self.communes_total})")

    def as_dict(self) -> dict:
        return {"theme": self.theme, "theme_label": self.theme_label, "km": self.km,
                "departement": self.departement, "territoire": self.territoire, "summary": self.summary(),
                "communes_total": self.communes_total, "population_total": self.population_total,
                "communes_hors_portee": len(self.communes), "population_hors_portee": self.population_gap,
                "part_population": round(self.share, 4), "results": [c.as_dict() for c in self.communes]}


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %".replace(".", ",")


def gap_report(*, theme: str, km: float = 10, departement: str | None = None) -> GapReport:
    """The communes of a département (or of France) farther than `km` from any lieu of `theme`.

    Raises LookupError with a sentence when the theme or the département is unknown."""
    label = Theme.objects.filter(slug=theme).values_list("label", flat=True).first()
    if label is None:
        raise LookupError(f"thème inconnu : « {theme} » (par exemple lecture-ecriture-calcul--maitriser-le-francais)")
    territoire = "France"
    if departement:
        dep = Departement.objects.filter(code=departement.upper()).first()
        if dep is None:
            raise LookupError(f"département inconnu : « {departement} » (codes INSEE : 35, 2A, 974…)")
        departement, territoire = dep.code, f"{dep.nom} ({dep.code})"
    params = {"publie": Statut.PUBLIE.value, "theme": theme, "departement": departement, "metres": km * 1000}
    with connection.cursor() as cursor:
        cursor.execute(SQL_TOTALS, params)
        n_communes, population = cursor.fetchone()
        cursor.execute(SQL_GAPS, params)
        rows = cursor.fetchall()
    communes = [GapCommune(code=r[0], nom=r[1], departement=r[2], population=r[3], lon=r[4], lat=r[5],
                           nearest_km=None if r[6] is None else round(r[6] / 1000, 1)) for r in rows]
    return GapReport(theme=theme, theme_label=label, km=km, departement=departement, territoire=territoire,
                     communes_total=n_communes, population_total=population, communes=communes)


CSV_COLUMNS = ["Code INSEE", "Commune", "Département", "Population", "Distance au lieu le plus proche (km)"]


def write_gap_csv(stream, report: GapReport):
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for c in report.communes:
        writer.writerow([c.code, c.nom, c.departement, c.population,
                         "" if c.nearest_km is None else f"{c.nearest_km:g}".replace(".", ",")])


def gap_geojson(report: GapReport) -> dict:
    """The gap communes as a map layer: their (simplified) contours with the report's properties."""
    from .geometry import COMMUNE_TOLERANCE

    codes = [c.code for c in report.communes]
    shapes = {}
    if codes:
        import json

        with connection.cursor() as cursor:
            cursor.execute("SELECT code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(COALESCE(contour, centre), %s), 4) "
                           "FROM territoires_commune WHERE code = ANY(%s)", [COMMUNE_TOLERANCE * 2, codes])
            shapes = {code: json.loads(geom) for code, geom in cursor.fetchall()}
    return {"type": "FeatureCollection",
            "metadata": {k: v for k, v in report.as_dict().items() if k != "results"},
            "features": [{"type": "Feature", "id": c.code, "geometry": shapes.get(c.code),
                          "properties": c.as_dict()} for c in report.communes]}
