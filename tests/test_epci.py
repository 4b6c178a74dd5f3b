"""EPCI: loaded with the territoires, named as a coverage by SIREN (data·inclusion, DORA) or by
name, stored as its member communes, found by the search from any member, exported as its SIREN."""

import contextlib
import io
import json

import pytest
from django.core.management import call_command

from dispositifs.localisation import resolve_place
from dispositifs.models import Dispositif
from imports.gazetteer import Gazetteer
from maps.exports import export, make_scope
from territoires.models import Commune, Epci
from tests.import_files import write_csv

pytestmark = pytest.mark.django_db

FAUCIGNY = "200000172"  # CC Faucigny - Glières (Haute-Savoie), 7 communes in COG 2026
MEMBERS = {"74024", "74042", "74049", "74087", "74164", "74212", "74312"}


def test_epci_loaded_with_their_communes():
    assert Epci.objects.count() == 1255
    assert Epci.objects.get(code=FAUCIGNY).nom == "CC Faucigny - Glières"
    assert set(Commune.objects.filter(epci_id=FAUCIGNY).values_list("code", flat=True)) == MEMBERS
    assert Commune.objects.get(code="74042").epci_id == FAUCIGNY  # Bonneville


def test_gazetteer_reads_an_epci_by_siren_or_name():
    g = Gazetteer.current()
    for text in (FAUCIGNY, f"EPCI {FAUCIGNY}", "CC Faucigny - Glières"):
        cov = g.coverage(text, departement=None, row_departement=None)
        assert cov.communes == MEMBERS, text


def _run(path, *args):
    out = io.StringIO()
    with contextlib.suppress(SystemExit):
        call_command("import_dispositifs", str(path), "--source", "epci", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()[-1]


def test_epci_coverage_imported_searched_exported(tmp_path):
    header = ["Identifiant", "Intitulé", "Thématique", "Zone d'intervention", "Date de vérification"]
    path = write_csv(tmp_path / "epci.csv", [["E1", "Atelier mobilité", "Mobilité", FAUCIGNY, "02/11/2026"]],
                     header=header)
    assert _run(path) == "created=1 updated=0 unchanged=0 rejected=0"
    d = Dispositif.objects.get(source="epci")
    assert set(d.communes.values_list("code", flat=True)) == MEMBERS

    place = resolve_place(commune="74164")  # Marignier, a member
    found = {r.pk: r.portee for r in Dispositif.objects.published().reachable_from(place, radius_km=1)}
    assert found.get(d.pk) == "commune"
    outside = resolve_place(commune="74010")  # Annecy: not a member
    assert d.pk not in {r.pk for r in Dispositif.objects.published().reachable_from(outside, radius_km=1,
                                                                                      national=False)}

    out = tmp_path / "di.json"
    with open(out, "w", encoding="utf-8") as stream:
        export(make_scope(all=True), "datainclusion", stream)
    service = json.loads(out.read_text("utf-8"))["services"][0]
    assert service["zone_eligibilite"] == [FAUCIGNY]
    assert _run(out) == "created=0 updated=0 unchanged=1 rejected=0"


def test_an_epci_coverage_is_named_on_the_page_and_in_the_api_and_can_be_written(client, tmp_path):
    """Stored as its communes, shown as the intercommunalité; the write API takes a SIREN the same way."""
    header = ["Identifiant", "Intitulé", "Thématique", "Zone d'intervention", "Date de vérification"]
    path = write_csv(tmp_path / "epci.csv", [["E1", "Atelier mobilité", "Mobilité", f"{FAUCIGNY}, 74010",
                                              "02/11/2026"]], header=header)
    assert _run(path) == "created=1 updated=0 unchanged=0 rejected=0"
    d = Dispositif.objects.get(source="epci")
    page = client.get(f"/dispositifs/{d.pk}/").content.decode()
    assert "Intercommunalité : CC Faucigny - Glières" in page and "Commune : Annecy (74)" in page
    assert "Bonneville" not in page  # the members are not listed one by one
    english = client.get(f"/dispositifs/{d.pk}/?lang=en").content.decode()
    assert "Intercommunal authority: CC Faucigny - Glières" in english
    body = client.get(f"/api/v1/dispositifs/{d.pk}/").json()["couverture"]
    assert body["epci"] == [FAUCIGNY] and set(body["communes"]) == MEMBERS | {"74010"}

    d.communes.remove("74042")  # Bonneville leaves: the EPCI is no longer whole, its communes are listed
    page = client.get(f"/dispositifs/{d.pk}/").content.decode()
    assert "Intercommunalité" not in page and "Marignier (74)" in page
    assert client.get(f"/api/v1/dispositifs/{d.pk}/").json()["couverture"]["epci"] == []


def test_the_write_api_reads_an_epci_siren_as_its_communes():
    """The shared validation path (API, admin forms, imports): `epci` adds the member communes;
    an unknown SIREN is an error naming it."""
    from django.core.exceptions import ValidationError

    from dispositifs.services import parse_payload

    draft = parse_payload({"titre": "Atelier", "couverture": {"epci": [FAUCIGNY], "communes": ["74010"]}},
                          full=False)
    assert set(draft.coverage["communes"]) == MEMBERS | {"74010"}
    with pytest.raises(ValidationError) as refused:
        parse_payload({"titre": "Atelier", "couverture": {"epci": ["123456789"]}}, full=False)
    assert "EPCI inconnu : 123456789" in str(refused.value)


def test_csv_and_xlsx_exports_write_the_epci_and_read_back_unchanged(tmp_path):
    """The SQL export (CSV) and the Python rows (XLSX) write « EPCI <SIREN> » for a whole EPCI and the
    other communes by code; each file imports back as `unchanged`."""
    import openpyxl

    header = ["Identifiant", "Intitulé", "Thématique", "Zone d'intervention", "Date de vérification"]
    path = write_csv(tmp_path / "epci.csv", [["E1", "Atelier mobilité", "Mobilité", f"{FAUCIGNY}; 74010",
                                              "02/11/2026"]], header=header)
    assert _run(path) == "created=1 updated=0 unchanged=0 rejected=0"
    csv_out, xlsx_out = tmp_path / "out.csv", tmp_path / "out.xlsx"
    with open(csv_out, "w", encoding="utf-8", newline="") as stream:
        export(make_scope(departement="74"), "csv", stream)
    with open(xlsx_out, "wb") as stream:
        export(make_scope(departement="74"), "xlsx", stream)
    assert f"EPCI {FAUCIGNY}; 74010" in csv_out.read_text("utf-8-sig")
    sheet = openpyxl.load_workbook(xlsx_out, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    zone = rows[0].index("Zone d'intervention")
    assert rows[1][zone] == f"EPCI {FAUCIGNY}; 74010"
    for out in (csv_out, xlsx_out):
        assert _run(out) == "created=0 updated=0 unchanged=1 rejected=0", out.name
