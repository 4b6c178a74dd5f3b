"""data·inclusion files in every shape (one JSON, separate structures, CSV; v0 and v1) read without
a profile, every shared field kept; our own export reads back `unchanged`, with its structures."""

import contextlib
import csv
import io
import json

import pytest
from django.core.management import call_command

from dispositifs.models import Dispositif
from maps.exports import export, make_scope

pytestmark = pytest.mark.django_db

STRUCTURES = [{"source": "dora", "id": "s1", "nom": "Maison des solidarités", "siret": "12345678901234",
               "date_maj": "2026-10-01", "commune": "Dijon", "code_insee": "21231"}]
SERVICES = [
    {"source": "dora", "id": "a1", "structure_id": "s1", "nom": "Cours de français",
     "description": "Des cours de français pour adultes, trois matinées par semaine.",
     "date_maj": "2026-10-02", "thematiques": ["lecture-ecriture-calcul--maitriser-le-francais"],
     "publics": ["personnes-exilees", "femmes"], "modes_accueil": ["en-presentiel", "a-distance"],
     "frais": "payant", "frais_precisions": "5 € par an", "zone_eligibilite": ["21"],
     "commune": "Dijon", "code_insee": "21231", "code_postal": "21000", "adresse": "2 rue des Forges",
     "complement_adresse": "Salle B", "latitude": 47.3220, "longitude": 5.0415, "telephone": "03 80 00 00 00",
     "courriel": "contact@mds.example.org", "lien_mobilisation": "https://mds.example.org/fle",
     "horaires_accueil": "Mo-Fr 09:00-12:00"},
    # same id in another source: another service
    {"source": "cd21", "id": "a1", "structure_id": "s1", "nom": "Permanence logement",
     "description": "Une permanence pour trouver un logement.", "date_maj": "2026-10-03",
     "thematiques": ["logement-hebergement"], "zone_eligibilite": ["france"]},
]


def run(*args):
    out = io.StringIO()
    with contextlib.suppress(SystemExit):
        call_command("import_dispositifs", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()[-1]


def test_one_json_document_keeps_every_shared_field(tmp_path):
    path = tmp_path / "di.json"
    path.write_text(json.dumps({"structures": STRUCTURES, "services": SERVICES}), "utf-8")
    assert run(path, "--source", "di") == "created=2 updated=0 unchanged=0 rejected=0"
    d = Dispositif.objects.get(external_id="dora:a1")
    assert d.structure.name == "Maison des solidarités" and d.structure.siret == "12345678901234"
    assert d.description.startswith("Des cours de français")
    assert sorted(d.publics) == ["bpi", "femmes"] and d.modality == "mixte"
    assert d.free is False and d.price == "5 € par an"
    assert d.website == "https://mds.example.org/fle" and d.email == "contact@mds.example.org"
    assert str(d.last_verified) == "2026-10-02"
    assert list(d.departements.values_list("code", flat=True)) == ["21"]
    lieu = d.lieux.get()
    assert (lieu.commune_id, lieu.name, lieu.opening_hours) == ("21231", "Salle B", "Mo-Fr 09:00-12:00")
    assert Dispositif.objects.get(external_id="cd21:a1").national


def test_separate_structures_file_and_csv_services(tmp_path):
    structures = tmp_path / "structures.json"
    structures.write_text(json.dumps(STRUCTURES), "utf-8")
    services = tmp_path / "services.csv"
    with open(services, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["source", "id", "structure_id", "nom", "description", "date_maj",
                                          "thematiques", "code_insee", "zone_eligibilite"])
        w.writeheader()
        w.writerow({"source": "dora", "id": "b1", "structure_id": "s1", "nom": "Atelier CV",
                    "description": "Un atelier pour écrire son CV.", "date_maj": "2026-10-04",
                    "thematiques": "preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation",
                    "code_insee": "21231", "zone_eligibilite": "21231"})
    assert run(services, "--source", "di", "--structures", structures) == \
        "created=1 updated=0 unchanged=0 rejected=0"
    assert Dispositif.objects.get(external_id="dora:b1").structure.name == "Maison des solidarités"


def test_v0_services(tmp_path):
    path = tmp_path / "v0.json"
    path.write_text(json.dumps([{
        "source": "odspep", "id": "v0-1", "structure_id": "x", "nom": "Aide aux démarches",
        "presentation_resume": "Aide aux démarches en ligne", "thematiques": ["acces-aux-droits-et-citoyennete"
                                                                              "--accompagnement-juridique"],
        "frais": ["gratuit"], "profils": ["tous-publics"], "zone_diffusion_type": "departement",
        "zone_diffusion_code": "21", "code_insee": "21231", "date_maj": "2023-01-05"}]), "utf-8")
    assert run(path, "--source", "v0") == "created=1 updated=0 unchanged=0 rejected=0"
    d = Dispositif.objects.get(source="v0")
    assert [t.slug for t in d.themes.all()] == [
        "difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire"]
    assert d.free is True and d.publics == ["tous-publics"] and d.description == "Aide aux démarches en ligne"


def test_own_export_reimports_unchanged_with_structures(tmp_path):
    path = tmp_path / "di.json"
    path.write_text(json.dumps({"structures": STRUCTURES, "services": SERVICES}), "utf-8")
    run(path, "--source", "di")
    before = {d.pk: (d.content_hash, d.updated_at, d.structure_id) for d in Dispositif.objects.all()}
    out = tmp_path / "export.json"
    with open(out, "w", encoding="utf-8") as stream:
        export(make_scope(all=True), "datainclusion", stream)
    document = json.loads(out.read_text("utf-8"))
    assert {"metadata", "structures", "services"} <= set(document)
    assert run(out, "--source", "di") == "created=0 updated=0 unchanged=2 rejected=0"
    assert {d.pk: (d.content_hash, d.updated_at, d.structure_id) for d in Dispositif.objects.all()} == before


def test_region_coverage_round_trips(tmp_path):
    """v0 `zone_diffusion_type` région: a région coverage, exported as its départements (v1 has no
    région code) and read back as the région."""
    path = tmp_path / "v0.json"
    path.write_text(json.dumps([{"source": "cd", "id": "r1", "structure_id": "x", "nom": "Plateforme régionale",
                                 "thematiques": ["numerique"], "zone_diffusion_type": "region",
                                 "zone_diffusion_code": "27", "date_maj": "2024-02-01"}]), "utf-8")
    assert run(path, "--source", "reg") == "created=1 updated=0 unchanged=0 rejected=0"
    d = Dispositif.objects.get(source="reg")
    assert list(d.regions.values_list("code", flat=True)) == ["27"]
    out = tmp_path / "export.json"
    with open(out, "w", encoding="utf-8") as stream:
        export(make_scope(all=True), "datainclusion", stream)
    assert len(json.loads(out.read_text("utf-8"))["services"][0]["zone_eligibilite"]) == 8  # Bourgogne-F.-C.
    assert run(out, "--source", "reg") == "created=0 updated=0 unchanged=1 rejected=0"
