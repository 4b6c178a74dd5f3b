"""The importer reads opening hours (issue #14): a free-text French column, per-day columns (France
services style) and data·inclusion `horaires_accueil` are stored as OSM `opening_hours`; a value that
cannot be read without guessing is kept as written (a note on the page), never lost, never a rejected row.
The same rule serves the admin and the API (dispositifs/validation.py). The real samples (France services,
Région Sud) are checked in tests/test_real_samples.py."""

import contextlib
import io
import json

import pytest
from django.core.management import call_command

from dispositifs import horaires, validation
from dispositifs.models import Lieu
from tests.import_files import write_csv

pytestmark = pytest.mark.django_db
BASE = ["Intitulé", "Thématique", "Code postal", "Commune"]
FS = "09:00 - 12:00 / 13:30 - 17:00"


def run(path, *args) -> str:
    out = io.StringIO()
    with contextlib.suppress(SystemExit):
        call_command("import_dispositifs", str(path), "--source", "t", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()[-1]


def hours(title: str) -> str:
    return Lieu.objects.get(dispositif__title=title).opening_hours


@pytest.mark.parametrize("text, stored", [
    ("Lundi 14h-17h; mardi au vendredi 9h-12h/14h-17h", "Mo 14:00-17:00; Tu-Fr 09:00-12:00,14:00-17:00"),
    ("Mardi 12h-14h mercredi 12h-18h jeudi 18h-21h", "Tu 12:00-14:00; We 12:00-18:00; Th 18:00-21:00"),
    ("9h-12h le lundi", "Mo 09:00-12:00"),
    ("tous les jours 9h-18h", "Mo-Su 09:00-18:00"),
    ("Lundi 9h-12h, mardi fermé", "Mo 09:00-12:00"),
    ("Mo-Fr 9:00-12:00", "Mo-Fr 09:00-12:00"),
    # says more than a week of hours, or cannot be read without guessing: kept as written
    ("Lundi 9h-12h sur rendez-vous", "Lundi 9h-12h sur rendez-vous"),
    ("du lundi au vendredi sauf mercredi 9h-12h", "du lundi au vendredi sauf mercredi 9h-12h"),
    ("9h-12h / 14h-17h", "9h-12h / 14h-17h"),
    ("Lundi, mardi", "Lundi, mardi"),
    ("lundi 9h75-12h", "lundi 9h75-12h"),
])
def test_one_rule_for_every_writer(text, stored):
    assert validation.normalise_opening_hours(text) == stored
    if stored != text:
        assert horaires.is_valid(stored)


def test_free_text_column(tmp_path):
    rows = [["Cours A", "FLE", "21000", "Dijon", "Lundi au vendredi 9h-12h/14h-17h"],
            ["Cours B", "FLE", "21000", "Dijon", "Sur rendez-vous, appeler le 03 80 00 00 00"],
            ["Cours C", "FLE", "21000", "Dijon", "Mo-Fr 9:00-12:00; PH off"]]
    path = write_csv(tmp_path / "offre.csv", rows, header=[*BASE, "Horaires d'ouverture"])
    assert run(path) == "created=3 updated=0 unchanged=0 rejected=0"
    assert hours("Cours A") == "Mo-Fr 09:00-12:00,14:00-17:00"
    assert hours("Cours B") == "Sur rendez-vous, appeler le 03 80 00 00 00"
    assert hours("Cours C") == "Mo-Fr 09:00-12:00; PH closed"   # as opening-hours-py writes it
    assert run(path) == "created=0 updated=0 unchanged=3 rejected=0"   # the stored value reads back the same


def test_per_day_columns(tmp_path):
    header = [*BASE, "Horaires lundi", "Horaires mardi", "Horaires mercredi", "Horaires jeudi", "Horaires vendredi",
              "Horaires samedi"]
    rows = [["Accueil A", "FLE", "21000", "Dijon", FS, FS, FS, "Fermé", "9h-12h", ""],
            ["Accueil B", "FLE", "21000", "Dijon", FS, "", "", "", "", "Sur rendez-vous"],
            ["Accueil C", "FLE", "21000", "Dijon", "", "", "", "", "", ""]]
    path = write_csv(tmp_path / "fs.csv", rows, header=header)
    assert run(path) == "created=3 updated=0 unchanged=0 rejected=0"
    assert hours("Accueil A") == "Mo-We 09:00-12:00,13:30-17:00; Fr 09:00-12:00"
    assert hours("Accueil B") == f"Lundi {FS} ; Samedi Sur rendez-vous"   # not lost
    assert hours("Accueil C") == ""


def test_datainclusion_horaires_accueil(tmp_path):
    services = [{"source": "dora", "id": str(i), "nom": f"Service {i}", "thematiques": ["famille"],
                 "commune": "Dijon", "code_insee": "21231", "code_postal": "21000", "horaires_accueil": value}
                for i, value in enumerate(["Mo-Fr 9:00-12:00", "le matin", "du lundi au jeudi de 14h à 17h"])]
    path = tmp_path / "di.json"
    path.write_text(json.dumps(services), "utf-8")
    assert run(path) == "created=3 updated=0 unchanged=0 rejected=0"
    assert [hours(f"Service {i}") for i in range(3)] == ["Mo-Fr 09:00-12:00", "le matin", "Mo-Th 14:00-17:00"]


def test_the_write_api_follows_the_same_rule(client):
    from tests.comptes_cases import build_cases

    c = build_cases()
    lieu = {"nom": "Médiathèque", "code_postal": "21000", "commune": "21231", "horaires": "Lundi et jeudi, 9 h – 12 h"}
    body = {"titre": "Atelier", "themes": ["numerique"], "couverture": {"departements": ["21"]}, "lieux": [lieu]}
    r = client.post("/api/v1/dispositifs/", body, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Token {c.tokens[c.operateur.email]}")
    assert r.status_code == 201, r.content
    assert hours("Atelier") == "Mo,Th 09:00-12:00"
