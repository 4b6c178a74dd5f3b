"""Bulk load of the geography from fixtures/territoires: COPY into staging tables, then one
set-based upsert per level that rewrites only rows whose content changed.

One INSERT per row through the ORM would take minutes for 34,875 communes; this takes seconds.
"""

import csv
import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from .text import fold

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "territoires"
PIECE_MAX_VERTICES = 64


@dataclass
class LevelCount:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self):
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged}"


@dataclass
class LoadSummary:
    regions: LevelCount = field(default_factory=LevelCount)
    departements: LevelCount = field(default_factory=LevelCount)
    communes: LevelCount = field(default_factory=LevelCount)
    epcis: LevelCount = field(default_factory=LevelCount)
    pieces: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in (self.regions, self.departements, self.communes, self.epcis))

    def totals(self) -> str:
        return (
            f"{self.regions.created + self.regions.updated + self.regions.unchanged} régions, "
            f"{self.departements.created + self.departements.updated + self.departements.unchanged} départements, "
            f"{self.communes.created + self.communes.updated + self.communes.unchanged} communes, "
            f"{self.epcis.created + self.epcis.updated + self.epcis.unchanged} EPCI"
        )


def _features(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)["features"]


def _geojson(feature: dict) -> str | None:
    return json.dumps(feature["geometry"]) if feature["geometry"] else None


def _add_collectivites(path: Path, regions: list, departements: list, communes: list) -> None:
    """The collectivités d'outre-mer of `collectivites.csv` (Saint-Barthélemy 977, Saint-Martin 978):
    each is a région, a département and a commune of the same code and name, as the COG files them,
    with the chef-lieu's point and no contour (none in the sources): places and coverage like the
    others; maps draw the territories that have a contour."""
    if not path.is_file():
        return
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        regions.append({"properties": {"code": row["region"], "nom": row["nom"]}, "geometry": None})
        departements.append({"properties": {"code": row["departement"], "nom": row["nom"], "region": row["region"]},
                             "geometry": None})
    communes.extend(rows)


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _upsert(cursor, sql: str) -> LevelCount:
    """Run an INSERT .. ON CONFLICT .. RETURNING (xmax = 0) and count inserts vs updates."""
    cursor.execute(sql)
    flags = [row[0] for row in cursor.fetchall()]
    return LevelCount(created=sum(flags), updated=len(flags) - sum(flags))


def load_territoires(*, fixtures: Path = FIXTURES, progress: Callable[[str], None] = lambda _: None) -> LoadSummary:
    """Load or refresh régions, départements, communes (and the collectivités d'outre-mer), EPCI and
    commune pieces. Idempotent."""
    start = time.perf_counter()
    summary = LoadSummary()
    regions = _features(fixtures / "regions.geojson")
    departements = _features(fixtures / "departements.geojson")
    with open(fixtures / "communes.csv", encoding="utf-8", newline="") as f:
        communes = list(csv.DictReader(f))
    _add_collectivites(fixtures / "collectivites.csv", regions, departements, communes)
    progress(f"lu : {len(regions)} régions, {len(departements)} départements, {len(communes)} communes")
    contours = {f["properties"]["code"]: json.dumps(f["geometry"]) for f in _features(
        fixtures / "communes-contours-simplifies.geojson.gz")}
    progress(f"lu : {len(contours)} contours de communes")

    with transaction.atomic(), connection.cursor() as c:
        c.execute("""
            CREATE TEMP TABLE stage_region (code text, nom text, geojson text) ON COMMIT DROP;
            CREATE TEMP TABLE stage_departement (code text, nom text, nom_normalise text, region text, geojson text)
                ON COMMIT DROP;
            CREATE TEMP TABLE stage_commune (code text, nom text, nom_normalise text, departement text,
                region text, codes_postaux text[], population int, lon float8, lat float8, geojson text)
                ON COMMIT DROP;
        """)
        _copy(c, "stage_region", ["code", "nom", "geojson"],
              ((f["properties"]["code"], f["properties"]["nom"], _geojson(f)) for f in regions))
        _copy(c, "stage_departement", ["code", "nom", "nom_normalise", "region", "geojson"],
              ((p["code"], p["nom"], fold(p["nom"]), p["region"], _geojson(f))
               for f in departements for p in [f["properties"]]))
        _copy(c, "stage_commune",
              ["code", "nom", "nom_normalise", "departement", "region", "codes_postaux", "population", "lon", "lat",
               "geojson"],
              ((r["code"], r["nom"], fold(r["nom"]), r["departement"], r["region"], r["codes_postaux"].split(),
                int(r["population"]), float(r["lon"]), float(r["lat"]), contours.get(r["code"])) for r in communes))
        progress("copié dans les tables de transit")

        summary.regions = _upsert(c, """
            INSERT INTO territoires_region AS t (code, nom, population, contour)
            SELECT code, nom, 0, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326)) FROM stage_region
            ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, contour = EXCLUDED.contour
            WHERE (t.nom, ST_AsEWKB(t.contour)) IS DISTINCT FROM (EXCLUDED.nom, ST_AsEWKB(EXCLUDED.contour))
            RETURNING (xmax = 0)""")
        summary.departements = _upsert(c, """
            INSERT INTO territoires_departement AS t (code, nom, nom_normalise, region_id, population, contour)
            SELECT code, nom, nom_normalise, region, 0, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326))
            FROM stage_departement
            ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, nom_normalise = EXCLUDED.nom_normalise,
                region_id = EXCLUDED.region_id,
                contour = EXCLUDED.contour
            WHERE (t.nom, t.region_id, ST_AsEWKB(t.contour))
                IS DISTINCT FROM (EXCLUDED.nom, EXCLUDED.region_id, ST_AsEWKB(EXCLUDED.contour))
            RETURNING (xmax = 0)""")
        summary.communes = _upsert(c, """
            INSERT INTO territoires_commune AS t (code, nom, nom_normalise, departement_id, region_id, codes_postaux,
                population, centre, contour)
            SELECT code, nom, nom_normalise, departement, region, codes_postaux, population,
                ST_SetSRID(ST_MakePoint(lon, lat), 4326),
                ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326))
            FROM stage_commune
            ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, nom_normalise = EXCLUDED.nom_normalise,
                departement_id = EXCLUDED.departement_id, region_id = EXCLUDED.region_id,
                codes_postaux = EXCLUDED.codes_postaux, population = EXCLUDED.population,
                centre = EXCLUDED.centre, contour = EXCLUDED.contour
            WHERE (t.nom, t.departement_id, t.region_id, t.codes_postaux, t.population,
                   ST_AsEWKB(t.centre), ST_AsEWKB(t.contour))
                IS DISTINCT FROM (EXCLUDED.nom, EXCLUDED.departement_id, EXCLUDED.region_id, EXCLUDED.codes_postaux,
                   EXCLUDED.population, ST_AsEWKB(EXCLUDED.centre), ST_AsEWKB(EXCLUDED.contour))
            RETURNING (xmax = 0)""")
        summary.regions.unchanged = len(regions) - summary.regions.created - summary.regions.updated
        summary.departements.unchanged = (
            len(departements) - summary.departements.created - summary.departements.updated)
        summary.communes.unchanged = len(communes) - summary.communes.created - summary.communes.updated
        progress(f"communes : {summary.communes}")

        summary.epcis = _load_epcis(c, fixtures / "epci.csv")
        progress(f"EPCI : {summary.epcis}")

        c.execute("SELECT count(*) FROM territoires_communepiece")
        if summary.communes.created or summary.communes.updated or not c.fetchone()[0]:
            c.execute("TRUNCATE territoires_communepiece")
            c.execute(f"""
                INSERT INTO territoires_communepiece (commune_id, geom)
                SELECT code, ST_Subdivide(contour, {PIECE_MAX_VERTICES}) FROM territoires_commune
                WHERE contour IS NOT NULL""")
            c.execute("ANALYZE territoires_communepiece")
            progress("contours découpés (ST_Subdivide) pour la localisation des points")
        c.execute("SELECT count(*) FROM territoires_communepiece")
        summary.pieces = c.fetchone()[0]

        if summary.changed:
            c.execute("""
                UPDATE territoires_departement d SET population = s.pop
                FROM (SELECT departement_id, sum(population) AS pop FROM territoires_commune GROUP BY 1) s
                WHERE s.departement_id = d.code;
                UPDATE territoires_region r SET population = s.pop
                FROM (SELECT region_id, sum(population) AS pop FROM territoires_commune GROUP BY 1) s
                WHERE s.region_id = r.code;
                ANALYZE territoires_region; ANALYZE territoires_departement; ANALYZE territoires_commune;
            """)
    summary.seconds = time.perf_counter() - start
    return summary


def _load_epcis(c, path: Path) -> LevelCount:
    """EPCI à fiscalité propre (SIREN, name, nature, members) and each member commune's `epci`."""
    if not path.is_file():
        return LevelCount()
    with open(path, encoding="utf-8", newline="") as f:
        epcis = list(csv.DictReader(f))
    c.execute("""CREATE TEMP TABLE stage_epci (code text, nom text, nature text, population int, membres text[])
                 ON COMMIT DROP""")
    _copy(c, "stage_epci", ["code", "nom", "nature", "population", "membres"],
          ((r["code"], r["nom"], r["nature"], int(r["population"] or 0), r["membres"].split()) for r in epcis))
    count = _upsert(c, """
        INSERT INTO territoires_epci AS t (code, nom, nature, population)
        SELECT code, nom, nature, population FROM stage_epci
        ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, nature = EXCLUDED.nature,
            population = EXCLUDED.population
        WHERE (t.nom, t.nature, t.population) IS DISTINCT FROM (EXCLUDED.nom, EXCLUDED.nature, EXCLUDED.population)
        RETURNING (xmax = 0)""")
    c.execute("""
        UPDATE territoires_commune co SET epci_id = m.code
        FROM (SELECT code, unnest(membres) AS commune FROM stage_epci) m
        WHERE co.code = m.commune AND co.epci_id IS DISTINCT FROM m.code""")
    members_changed = c.rowcount
    c.execute("""UPDATE territoires_commune SET epci_id = NULL WHERE epci_id IS NOT NULL
                 AND code NOT IN (SELECT unnest(membres) FROM stage_epci)""")
    c.execute("DELETE FROM territoires_epci WHERE code NOT IN (SELECT code FROM stage_epci)")
    if members_changed and not (count.created or count.updated):
        count.updated = 1  # a commune moved between EPCI: the level changed
    count.unchanged = len(epcis) - count.created - count.updated
    return count
