"""Exports (GeoJSON, CSV, XLSX, data·inclusion) of the small hand-built case, by command and HTTP."""

import csv
import io
import json

import pytest
from data_inclusion.schema.v1 import Service, Structure
from django.core.management import call_command
from openpyxl import load_workbook

from dispositifs.models import Dispositif
from maps.exports import export, make_scope
from maps.exports.rows import COLUMNS, escape_formula

from .maps_cases import build_small_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return build_small_case()


def csv_rows(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def run_export(scope, fmt):
    stream = io.BytesIO() if fmt == "xlsx" else io.StringIO()
    n = export(scope, fmt, stream)
    return n, stream.getvalue()


def test_csv_departement_holds_its_local_actions_once_per_lieu(case):
    n, text = run_export(make_scope(departement="35"), "csv")
    rows = csv_rows(text)
    assert n == len(rows) == 3  # A (lieu Rennes), C (région, no lieu), F (lieu Rennes)
    assert [r["Identifiant"] for r in rows] == ["A", "C", "F"]  # B national, D draft: not exported
    assert list(rows[0]) == COLUMNS
    a = rows[0]
    assert (a["Intitulé"], a["Code INSEE"], a["Commune"], a["Code postal"]) == ("Action A", "35238", "Rennes", "35000")
    assert a["Thématique"] == "lecture-ecriture-calcul--maitriser-le-francais"
    assert a["Téléphone"] == "02 99 00 00 01" and a["Gratuit"] == "Oui"
    assert rows[1]["Zone d'intervention"] == "Région Bretagne" and rows[1]["Adresse"] == ""
    assert rows[2]["Zone d'intervention"] == "Département Ille-et-Vilaine"


def test_region_and_all_scopes(case):
    _n, text = run_export(make_scope(region="84"), "csv")
    assert [r["Identifiant"] for r in csv_rows(text)] == ["E"]  # coverage by commune Lyon
    _n, text = run_export(make_scope(all=True), "csv")
    assert sorted(r["Identifiant"] for r in csv_rows(text)) == ["A", "B", "C", "E", "F"]  # national included


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"clic\")", "+33 1 23", "-2+3", "@SUM(A1)",
                                   "\tcmd", "\r=1"])
def test_escape_formula(value):
    assert escape_formula(value) == "'" + value
    assert escape_formula("Cours de français") == "Cours de français"
    assert escape_formula(-3) == -3


def test_formula_cells_are_escaped_in_csv_and_xlsx(case):
    a = case["A"]
    Dispositif.objects.filter(pk=a.pk).update(title='=HYPERLINK("http://evil.example","clic")',
                                              summary="@SUM(1+1)", price="-1+2", registration="+33 6 00")
    scope = make_scope(departement="35")
    _n, text = run_export(scope, "csv")
    row = next(r for r in csv_rows(text) if r["Identifiant"] == "A")
    assert row["Intitulé"] == "'=HYPERLINK(\"http://evil.example\",\"clic\")"
    assert (row["Résumé"], row["Tarif"], row["Inscription"]) == ("'@SUM(1+1)", "'-1+2", "'+33 6 00")
    _n, data = run_export(scope, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Dispositifs"]
    header = [c.value for c in ws[1]]
    cells = {header[i]: c for i, c in enumerate(ws[2])}
    assert cells["Intitulé"].value.startswith("'=HYPERLINK")
    assert cells["Intitulé"].data_type == "s"  # a string, not a formula
    assert cells["Résumé"].value == "'@SUM(1+1)"
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)


def test_xlsx_has_rows_and_attribution_sheet(case):
    n, data = run_export(make_scope(departement="35"), "xlsx")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Dispositifs", "À propos"]
    assert wb["Dispositifs"].max_row == n + 1 == 4
    about = {r[0].value: r[1].value for r in wb["À propos"].iter_rows()}
    assert "Licence Ouverte" in about["licence"] and "INSEE" in about["attribution"] and about["date"]


def test_geojson_has_metadata_and_points(case):
    n, text = run_export(make_scope(departement="35"), "geojson")
    data = json.loads(text)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == n == 3
    assert "attribution" in data["metadata"] and data["metadata"]["licence"].startswith("Licence Ouverte")
    a = next(f for f in data["features"] if f["properties"]["Identifiant"] == "A")
    assert a["geometry"]["type"] == "Point"
    lon, lat = a["geometry"]["coordinates"]
    assert 48.0 < lat < 48.2 and -1.8 < lon < -1.5  # Rennes
    c = next(f for f in data["features"] if f["properties"]["Identifiant"] == "C")
    assert c["geometry"] is None


def test_datainclusion_every_record_validates_with_the_national_schema(case):
    n, text = run_export(make_scope(all=True), "datainclusion")
    data = json.loads(text)
    assert set(data) == {"metadata", "structures", "services"}
    assert n == len(data["services"]) == 5
    for record in data["structures"]:
        Structure.model_validate(record)
    for record in data["services"]:
        Service.model_validate(record)
    services = {s["nom"]: s for s in data["services"]}
    assert services["Action B"]["zone_eligibilite"] == ["france"]
    assert sorted(services["Action C"]["zone_eligibilite"]) == ["22", "29", "35", "56"]
    assert services["Action E"]["zone_eligibilite"] == ["69123"]
    # A category becomes all its sub-themes; a sub-theme stays itself.
    assert "sante--sante-mentale" in services["Action C"]["thematiques"]
    assert services["Action A"]["thematiques"] == ["lecture-ecriture-calcul--maitriser-le-francais"]
    assert services["Action A"]["publics"] == ["personnes-exilees"]
    assert services["Action A"]["frais"] == "gratuit"
    assert services["Action A"]["code_insee"] == "35238" and services["Action A"]["code_postal"] == "35000"
    assert all(s["structure_id"] in {st["id"] for st in data["structures"]} for s in data["services"])


def test_command_writes_each_format(case, tmp_path):
    for fmt, name in [("csv", "d.csv"), ("xlsx", "d.xlsx"), ("geojson", "d.geojson"), ("datainclusion", "d.json")]:
        out = tmp_path / name
        stdout = io.StringIO()
        call_command("export_dispositifs", "--departement", "35", "--format", fmt, "--out", str(out), stdout=stdout,
                     stderr=io.StringIO())
        assert out.stat().st_size > 100
        assert "3 enregistrements" in stdout.getvalue()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_http_export_with_attribution_headers(case, client):
    response = client.get("/api/v1/exports/csv/?departement=35")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="dispositifs-departement-35.csv"' in response["Content-Disposition"]
    assert "Licence Ouverte" in response["X-Attribution"] and response["X-Export-Date"]
    assert len(csv_rows(body(response).decode("utf-8"))) == 3
    geo = client.get("/api/v1/exports/geojson/?region=53")
    assert geo.status_code == 200 and len(json.loads(body(geo))["features"]) == 3
    di = client.get("/api/v1/exports/?format=datainclusion&region=53")
    assert di.status_code == 200
    for record in json.loads(body(di))["services"]:
        Service.model_validate(record)
    xlsx = client.get("/api/v1/exports/xlsx/?departement=35")
    assert load_workbook(io.BytesIO(body(xlsx))).sheetnames[1] == "À propos"


def test_http_export_errors_are_json(client):
    unknown = client.get("/api/v1/exports/csv/?departement=999")
    assert unknown.status_code == 404 and "Département inconnu" in unknown.json()["detail"]
    assert client.get("/api/v1/exports/csv/").status_code == 400
    assert "exactement un territoire" in client.get("/api/v1/exports/csv/").json()["detail"]
    bad = client.get("/api/v1/exports/pdf/?all=1")
    assert bad.status_code == 400 and "format inconnu" in bad.json()["detail"]


def test_export_reports_progress(case):
    seen = []
    n = export(make_scope(all=True), "csv", io.StringIO(), progress=seen.append)
    assert n == 5 and seen == [5]  # every 5,000 dispositifs, and once at the end
