"""Export then import gives `unchanged`: the CSV and XLSX exports are files `import_dispositifs`
reads back as the same dispositifs (docs/ARCHITECTURE.md: re-importing the same data changes nothing)."""

import contextlib
import csv
import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from dispositifs.models import Dispositif
from maps.exports import export, make_scope

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo"


def run_import(path, *, source, departement=None):
    stdout, stderr = io.StringIO(), io.StringIO()
    args = [str(path), "--source", source]
    if departement:
        args += ["--departement", departement]
    with contextlib.suppress(SystemExit):  # exit status 1 when the demo file's deliberate errors are rejected
        call_command("import_dispositifs", *args, stdout=stdout, stderr=stderr)
    last = [line for line in stdout.getvalue().splitlines() if line.startswith("created=")][-1]
    return dict(part.split("=") for part in last.split())


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_is_unchanged(tmp_path, fmt, lang):
    """Also when the export runs in another language (an English visitor's download): the file's labels
    are the importer's, in French."""
    first = run_import(shutil.copy(DEMO / "ain-ddets.csv", tmp_path), source="ddets-ain", departement="01")
    created = int(first["created"])
    assert created > 50
    published = Dispositif.objects.published().filter(source="ddets-ain")
    assert published.count() == created
    before = {d.pk: (d.content_hash, d.updated_at) for d in Dispositif.objects.all()}

    out = tmp_path / f"export.{fmt}"
    text = {} if fmt == "xlsx" else {"encoding": "utf-8", "newline": ""}
    with open(out, "wb" if fmt == "xlsx" else "w", **text) as stream, translation.override(lang):
        n = export(make_scope(departement="01"), fmt, stream)
    assert n >= created  # one row per lieu; ain's dispositifs have one lieu at most

    again = run_import(out, source="ddets-ain", departement="01")
    assert again == {"created": "0", "updated": "0", "unchanged": str(n), "rejected": "0"}
    after = {d.pk: (d.content_hash, d.updated_at) for d in Dispositif.objects.all()}
    assert after == before  # nothing rewritten


def test_export_of_national_geojson_source_round_trips_as_csv(tmp_path):
    first = run_import(shutil.copy(DEMO / "offres-nationales.geojson", tmp_path), source="national")
    assert int(first["created"]) > 10
    out = tmp_path / "all.csv"
    with open(out, "w", encoding="utf-8", newline="") as stream:
        n = export(make_scope(all=True), "csv", stream)
    again = run_import(out, source="national")
    assert again == {"created": "0", "updated": "0", "unchanged": str(n), "rejected": "0"}


def test_dispositif_with_several_lieux_round_trips(tmp_path):
    """The export writes one row per lieu with the same Identifiant; the importer reads them back as
    one dispositif with the same lieux, nothing rewritten."""
    from tests.import_files import write_csv

    header = ["Identifiant", "Intitulé", "Structure", "Thématique", "Adresse", "Code postal", "Commune",
              "Latitude", "Longitude", "Zone d'intervention"]
    rows = [["FLE-1", "Cours de FLE", "Asso Français Pour Tous", "FLE", "12 rue de la République", "69002", "Lyon",
             "45.762041", "4.836308", "Département Rhône; Département Côte-d'Or"],
            ["FLE-1", "Cours de FLE", "Asso Français Pour Tous", "FLE", "", "21000", "Dijon", "", "",
             "Département Rhône; Département Côte-d'Or"]]
    first = run_import(write_csv(tmp_path / "source.csv", rows, header=header), source="multi")
    assert first == {"created": "2", "updated": "0", "unchanged": "0", "rejected": "0"}
    d = Dispositif.objects.get(source="multi")
    assert sorted(d.lieux.values_list("commune_id", "precision")) == [("21231", "commune"), ("69123", "adresse")]
    before = {d.pk: (d.content_hash, d.updated_at)}
    lieux_before = sorted(d.lieux.values_list("id", flat=True))

    out = tmp_path / "export.csv"
    with open(out, "w", encoding="utf-8", newline="") as stream:
        n = export(make_scope(all=True), "csv", stream)
    assert n == 2  # one row per lieu, both with Identifiant FLE-1
    with open(out, encoding="utf-8-sig", newline="") as f:
        exported = list(csv.DictReader(f, delimiter=";"))
    assert [(r["Identifiant"], r["Code INSEE"]) for r in exported] == [("FLE-1", "69123"), ("FLE-1", "21231")]

    again = run_import(out, source="multi")
    assert again == {"created": "0", "updated": "0", "unchanged": "2", "rejected": "0"}
    d = Dispositif.objects.get(source="multi")
    assert {d.pk: (d.content_hash, d.updated_at)} == before
    assert sorted(d.lieux.values_list("id", flat=True)) == lieux_before
