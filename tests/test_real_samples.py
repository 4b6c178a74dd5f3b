"""The published files of ../shared/data/real-samples/ go in as they are (issue #11): at least 95% of
the rows a person would import, each lieu inside its commune (500 m tolerance), and the file's own
INSEE code chosen when it has one. The files are read where they are, never copied or edited."""

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from dispositifs import horaires
from dispositifs.models import Dispositif, Lieu
from maps.exports import export, make_scope

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR).parent / "shared" / "data" / "real-samples"
if not SAMPLES.is_dir():
    pytest.fail(f"{SAMPLES} missing: the real samples sit beside the clone (shared/data/real-samples)")


DAYS_FS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")


def run_import(path, *, source, extra=()):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.suppress(SystemExit):
        call_command("import_dispositifs", str(path), "--source", source, *extra, stdout=stdout, stderr=stderr)
    lines = [line for line in stdout.getvalue().splitlines() if line.startswith("created=")]
    assert lines, stderr.getvalue()
    counts = {k: int(v) for k, v in (part.split("=") for part in lines[-1].split())}
    return counts, stdout.getvalue()


def assert_lieux_in_their_commune(source):
    """Every lieu lies within 500 m of its commune's contour."""
    with connection.cursor() as c:
        c.execute("""SELECT count(*) FROM dispositifs_lieu l JOIN dispositifs_dispositif d ON d.id = l.dispositif_id
                     JOIN territoires_commune co ON co.code = l.commune_id
                     WHERE d.source = %s AND NOT ST_DWithin(co.contour::geography, l.point, 500)""", [source])
        outside = c.fetchone()[0]
    assert outside == 0
    assert Lieu.objects.filter(dispositif__source=source).exists()


def test_france_services_2022():
    path = SAMPLES / "liste-fs-20221201.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    counts, out = run_import(path, source="fs", extra=["--theme", "difficultes-administratives-ou-juridiques"])
    assert counts["created"] >= 0.95 * len(rows), out
    assert_lieux_in_their_commune("fs")
    # the file's own INSEE code is the commune chosen (old codes of merged communes: today's commune)
    from imports.gazetteer import Gazetteer

    gazetteer = Gazetteer.current()
    chosen = dict(Lieu.objects.filter(dispositif__source="fs").values_list("dispositif__external_id", "commune_id"))
    checked = 0
    for row in rows:
        ref = gazetteer.commune_by_code(row["insee_com"].zfill(5)) if row["insee_com"].isdigit() else None
        if ref and row["id_fs"] in chosen:
            assert chosen[row["id_fs"]] == ref.code, row
            checked += 1
    assert checked >= 0.95 * len(rows)
    # Le Montet (03183), not Tronget, the most populated commune of 03240
    montet = [r for r in rows if r["insee_com"] == "03183"]
    if montet:
        assert chosen[montet[0]["id_fs"]] == "03183"
    # the per-day columns h_lundi… arrive as OSM opening hours (issue #14); the few that say more are kept
    hours = dict(Lieu.objects.filter(dispositif__source="fs").values_list("dispositif__external_id", "opening_hours"))
    given = {row["id_fs"] for row in rows if any(row[f"h_{day}"].strip(" -") for day in DAYS_FS)} & set(hours)
    osm = {k for k in given if horaires.is_valid(hours[k])}
    assert len(given) > 2400 and len(osm) >= 0.98 * len(given), (len(osm), len(given))
    assert all(hours[k] for k in given)
    assert hours["1"] == "Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00"   # Valserhône


def test_region_sud_digital_inclusion_places():
    path = SAMPLES / "regionsud-lieux-dinclusion-numerique-2022_v2.csv"
    total = path.read_bytes().count(b"\n") - 1
    counts, out = run_import(path, source="sud", extra=["--theme", "numerique"])
    assert counts["created"] + counts["unchanged"] >= 0.95 * total, out
    assert_lieux_in_their_commune("sud")
    # free French text (horaires_ouverture_*) read as OSM when it reads without guessing, else kept as written
    hours = [h for h in Lieu.objects.filter(dispositif__source="sud").values_list("opening_hours", flat=True) if h]
    osm = [h for h in hours if horaires.is_valid(h)]
    assert len(hours) > 150 and len(osm) >= 0.75 * len(hours), (len(osm), len(hours))
    assert "Mo 14:00-17:00; Tu-Fr 09:00-12:00,14:00-17:00" in osm  # Lundi 14h-17h; mardi au vendredi 9h-12h/14h-17h
    assert "Permanence uniquement sur rendez-vous" in hours


@pytest.mark.parametrize("name", ["mednum-la-creuse.json", "mednum-aix-en-provence.json"])
def test_local_digital_inclusion_lists(name):
    path = SAMPLES / name
    total = len(json.loads(path.read_text("utf-8")))
    counts, out = run_import(path, source="local", extra=["--theme", "numerique"])
    assert counts["created"] >= 0.95 * total, out
    assert_lieux_in_their_commune("local")


def test_datainclusion_lieux_ids_unique_within_their_source():
    path = SAMPLES / "mednum-data-inclusion.json"
    records = json.loads(path.read_text("utf-8"))
    counts, out = run_import(path, source="di", extra=["--theme", "numerique"])
    assert counts["created"] >= 0.95 * len(records), out
    assert_lieux_in_their_commune("di")
    ids = set(Dispositif.objects.filter(source="di").values_list("external_id", flat=True))
    assert {f"{r['source']}:{r['id']}" for r in records[:50]} <= ids  # identity is (source, id)
    again, _ = run_import(path, source="di", extra=["--theme", "numerique"])
    assert again["created"] == 0 and again["updated"] == 0


def test_datainclusion_v1_template_workbook():
    """The « Services » sheet with its « Structures »: example rows (`__ignore__`) skipped, the
    deliberate errors dropped with warnings, structures kept."""
    counts, out = run_import(SAMPLES / "di-valideur-dataset.xlsx", source="valideur")
    assert counts["created"] == 2, out
    services = Dispositif.objects.filter(source="valideur", title="Logement social")
    assert services.count() == 2  # same title, two ids: two services
    first = services.get(external_id__endswith="53669028-8862-4f42-a80c-d3f269456edc")
    assert first.structure.name.startswith("AGENCE ACTION LOGEMENT")
    assert [t.slug for t in first.themes.all()] == ["logement-hebergement--louer-un-logement"]
    assert first.free is True and first.modality == "mixte"
    assert "thématique « logement-hebergement--louer-un-appartement » inconnue" in out


def test_datainclusion_export_reimports_unchanged(tmp_path):
    path = SAMPLES / "mednum-data-inclusion.json"
    first, _ = run_import(path, source="di", extra=["--theme", "numerique"])
    before = {d.pk: (d.content_hash, d.updated_at, d.structure_id) for d in Dispositif.objects.all()}
    out = tmp_path / "export.json"
    with open(out, "w", encoding="utf-8") as stream:
        n = export(make_scope(all=True), "datainclusion", stream)
    assert n >= first["created"]
    again, report = run_import(out, source="di")
    assert again["created"] == 0 and again["updated"] == 0 and again["rejected"] == 0, report
    after = {d.pk: (d.content_hash, d.updated_at, d.structure_id) for d in Dispositif.objects.all()}
    assert after == before


def test_mediation_numerique_profile_reads_services_as_themes():
    counts, out = run_import(SAMPLES / "mednum-la-creuse.json", source="creuse",
                             extra=["--profile", "mediation-numerique"])
    assert counts["created"] == 91, out
    slugs = set(Dispositif.objects.filter(source="creuse").values_list("themes__slug", flat=True))
    assert slugs == {"numerique--maitriser-les-fondamentaux-du-numerique"}  # « Utiliser le numérique au quotidien »
