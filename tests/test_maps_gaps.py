"""Gap analysis on the small hand-built case: French-class lieux only in Rennes (A, F, and the
national B; D is a draft and does not count)."""

import csv
import gzip
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from geopy.distance import geodesic

from dispositifs.models import Dispositif, Lieu
from maps.gaps import gap_report
from territoires.models import Commune

from .maps_cases import FLE, build_small_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return build_small_case()


def test_communes_beyond_km_with_population_and_nearest_distance(case):
    report = gap_report(theme=FLE, km=10, departement="35")
    gaps = {c.code: c for c in report.communes}
    assert "35238" not in gaps  # Rennes has lieux
    assert all(c.nearest_km > 10 for c in gaps.values())
    saint_malo = gaps["35288"]
    assert 55 < saint_malo.nearest_km < 75 and saint_malo.population > 40_000
    covered = Commune.objects.filter(departement_id="35").exclude(code__in=gaps)
    assert report.communes_total == 332 and report.communes_total == len(gaps) + covered.count()
    assert report.population_gap == sum(c.population for c in report.communes)
    assert report.population_gap + sum(covered.values_list("population", flat=True)) == report.population_total
    # Every commune kept as "covered" really has a French-class lieu within 10 km of its centre.
    lieux = [(p.y, p.x) for p in Lieu.objects.filter(dispositif__external_id__in=["A", "F"]).values_list(
        "point", flat=True)]
    assert covered.count() > 5
    for commune in covered:
        assert min(geodesic((commune.centre.y, commune.centre.x), lieu).km for lieu in lieux) <= 10.05, commune
    # Sorted by population, the most populated gaps first.
    assert [c.population for c in report.communes] == sorted((c.population for c in report.communes), reverse=True)


def test_parent_theme_counts_children_and_drafts_do_not(case):
    parent = gap_report(theme="lecture-ecriture-calcul", km=10, departement="35")
    child = gap_report(theme=FLE, km=10, departement="35")
    assert [c.code for c in parent.communes] == [c.code for c in child.communes]
    Dispositif.objects.filter(external_id__in=["A", "F", "B"]).update(status="brouillon")
    everything = gap_report(theme=FLE, km=10, departement="35")
    assert len(everything.communes) == 332 and everything.share == 1.0
    assert all(c.nearest_km is None for c in everything.communes)  # no published lieu anywhere


def test_national_lieux_count_as_places(case):
    Dispositif.objects.filter(external_id__in=["A", "F"]).update(status="archive")
    report = gap_report(theme=FLE, km=10, departement="35")
    assert "35238" not in {c.code for c in report.communes}  # B (national) has its lieu in Rennes


def test_wider_radius_fewer_gaps_and_summary(case):
    near = gap_report(theme=FLE, km=10, departement="35")
    far = gap_report(theme=FLE, km=40, departement="35")
    assert len(far.communes) < len(near.communes)
    assert set(c.code for c in far.communes) <= set(c.code for c in near.communes)
    summary = near.summary()
    assert summary.startswith("Ille-et-Vilaine (35) : ")
    assert "vivent à plus de 10 km d'un lieu « Maîtriser le français »" in summary
    assert f"({len(near.communes)} communes sur 332)" in summary


def test_command_prints_summary_last_and_writes_csv_geojson_map(case, tmp_path):
    stdout = io.StringIO()
    call_command("rapport_couverture", "--theme", FLE, "--departement", "35", "--km", "10",
                 "--csv", str(tmp_path / "g.csv"), "--geojson", str(tmp_path / "g.geojson"),
                 "--carte", str(tmp_path / "g.html"), "--no-tiles", stdout=stdout, stderr=io.StringIO())
    lines = stdout.getvalue().strip().splitlines()
    assert lines[-1].startswith("Ille-et-Vilaine (35) : ") and "habitants" in lines[-1]
    assert lines[0].startswith("35288  Saint-Malo")  # the most populated gap
    rows = list(csv.reader(io.StringIO((tmp_path / "g.csv").read_text(encoding="utf-8")), delimiter=";"))
    assert rows[0][0] == "Code INSEE" and len(rows) - 1 == int(lines[-1].split("(")[-1].split()[0])
    layer = json.loads((tmp_path / "g.geojson").read_text(encoding="utf-8"))
    assert layer["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert "markerClusterGroup" in (tmp_path / "g.html").read_text(encoding="utf-8")
    with pytest.raises(CommandError, match="thème inconnu"):
        call_command("rapport_couverture", "--theme", "cuisine", stdout=io.StringIO())


def read(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_api_couverture_json_csv_geojson(case, client, settings, tmp_path):
    settings.MAPS_DIR = tmp_path
    data = json.loads(read(client.get(f"/api/v1/couverture/?theme={FLE}&departement=35&km=10")))
    assert data["communes_total"] == 332 and data["km"] == 10
    assert data["communes_hors_portee"] == len(data["results"]) > 100
    assert data["summary"].startswith("Ille-et-Vilaine (35)")
    first = data["results"][0]
    assert set(first) == {"code", "nom", "departement", "population", "distance_km", "centre"}
    response = client.get(f"/api/v1/couverture/?theme={FLE}&departement=35&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert read(response).decode("utf-8").lstrip("\ufeff").startswith("Code INSEE;Commune")
    geo = json.loads(read(client.get(f"/api/v1/couverture/?theme={FLE}&departement=35&format=geojson")))
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == data["communes_hors_portee"]
    assert "attribution" in geo["metadata"]
    # Stored with a gzipped twin, sent as it is to a client that accepts gzip (no per-request compression).
    packed = client.get(f"/api/v1/couverture/?theme={FLE}&departement=35&format=geojson", HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip" and json.loads(gzip.decompress(read(packed))) == geo


def test_api_couverture_errors_are_json(client):
    assert client.get("/api/v1/couverture/").status_code == 400
    assert "thème" in client.get("/api/v1/couverture/").json()["detail"]
    assert client.get("/api/v1/couverture/?theme=cuisine").status_code == 400
    unknown = client.get(f"/api/v1/couverture/?theme={FLE}&departement=999")
    assert unknown.status_code == 404 and "Département inconnu" in unknown.json()["detail"]
    assert client.get(f"/api/v1/couverture/?theme={FLE}&km=abc").status_code == 400
    assert client.get(f"/api/v1/couverture/?theme={FLE}&format=pdf").status_code == 400
