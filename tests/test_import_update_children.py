"""Re-importing changed dispositifs: their lieux and themes/coverage rows are compared with the file
in SQL, and only what differs is rewritten (imports.writer._replace_children). What the file says
must end up in the database, the search's side tables included; what it leaves alone keeps its id."""

import datetime as dt

import pytest
from django.db import connection

from dispositifs.models import Dispositif, Lieu
from dispositifs.side_tables import RechercheCouverture, RechercheLieu
from horaires.models import Fermeture
from imports.services import import_file
from tests.import_files import write_csv

pytestmark = pytest.mark.django_db

HEADER = ["Identifiant", "Intitulé", "Structure", "Thématique", "Adresse", "Code postal", "Commune",
          "Zone d'intervention", "Téléphone"]
LYON = ["FLE-1", "Cours de FLE", "Asso Français Pour Tous", "FLE", "12 rue de la République", "69002", "Lyon", "",
        "04 78 12 34 56"]
DIJON = ["FLE-1", "Cours de FLE", "Asso Français Pour Tous", "FLE", "45 rue de la Liberté", "21000", "Dijon", "",
         "04 78 12 34 56"]
DROITS = ["DROITS-1", "Permanence d'accès aux droits", "Cimade", "Accès aux droits", "", "21000", "Dijon",
          "Côte-d'Or", "115"]


def _import(tmp_path, rows, name):
    result = import_file(write_csv(tmp_path / name, rows, header=HEADER), source="s")
    with connection.cursor() as cursor:  # the deferred foreign keys, checked now as a commit would
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return result


def _lieux(external_id):
    return sorted(Lieu.objects.filter(dispositif__source="s", dispositif__external_id=external_id)
                  .values_list("id", "address", "commune_id"))


def _themes(external_id):
    return sorted(Dispositif.objects.get(source="s", external_id=external_id).themes.values_list("slug", flat=True))


def test_a_new_phone_rewrites_no_lieu_and_a_closure_keeps_its_lieu(tmp_path):
    assert _import(tmp_path, [LYON, DIJON, DROITS], "a.csv").summary() == "created=3 updated=0 unchanged=0 rejected=0"
    lieux, themes = _lieux("FLE-1"), _themes("FLE-1")
    fle = Dispositif.objects.get(source="s", external_id="FLE-1")
    closure = Fermeture.objects.create(dispositif=fle, lieu_id=lieux[0][0], debut=dt.date(2026, 12, 20),
                                       fin=dt.date(2027, 1, 3), message="Fermé pour les fêtes")

    phone = [*LYON[:-1], "03 80 00 00 00"], [*DIJON[:-1], "03 80 00 00 00"]
    result = _import(tmp_path, [*phone, DROITS], "b.csv")

    assert result.summary() == "created=0 updated=2 unchanged=1 rejected=0"
    assert Dispositif.objects.get(pk=fle.pk).phone == "03 80 00 00 00"
    assert _lieux("FLE-1") == lieux and _themes("FLE-1") == themes  # same rows, same ids
    closure.refresh_from_db()
    assert closure.lieu_id == lieux[0][0]


def test_a_changed_lieu_replaces_the_lieux_of_that_dispositif_only(tmp_path):
    _import(tmp_path, [LYON, DIJON, DROITS], "a.csv")
    droits = _lieux("DROITS-1")
    moved = [*DIJON[:4], "2 place Darcy", *DIJON[5:]]

    assert _import(tmp_path, [LYON, moved, DROITS], "b.csv").summary() == "created=0 updated=2 unchanged=1 rejected=0"

    assert sorted((a, c) for _, a, c in _lieux("FLE-1")) == [("12 rue de la République", "69123"),
                                                            ("2 place Darcy", "21231")]
    assert _lieux("DROITS-1") == droits
    fle = Dispositif.objects.get(source="s", external_id="FLE-1")
    lieu_ids = set(fle.lieux.values_list("id", flat=True))
    assert set(RechercheLieu.objects.filter(dispositif_id=fle.pk).values_list("lieu_id", flat=True)) == lieu_ids

    # a lieu dropped from the file is dropped from the dispositif
    assert _import(tmp_path, [LYON, DROITS], "c.csv").summary() == "created=0 updated=1 unchanged=1 rejected=0"
    assert [c for _, _, c in _lieux("FLE-1")] == ["69123"]
    assert RechercheLieu.objects.filter(dispositif_id=fle.pk).count() == 1


def test_a_closure_follows_its_lieu_when_the_lieux_are_replaced(tmp_path):
    """A lieu changed beside it: the lieux of the dispositif are rewritten, and the import still commits
    (the closure's foreign key used to fail it). The closure goes to the new lieu at the same address;
    the closure of a lieu gone from the file goes with it."""
    _import(tmp_path, [LYON, DIJON, DROITS], "a.csv")
    fle = Dispositif.objects.get(source="s", external_id="FLE-1")
    lyon = fle.lieux.get(commune_id="69123")
    dijon = fle.lieux.get(commune_id="21231")
    kept = Fermeture.objects.create(dispositif=fle, lieu=lyon, debut=dt.date(2026, 12, 20), fin=dt.date(2027, 1, 3))
    gone = Fermeture.objects.create(dispositif=fle, lieu=dijon, debut=dt.date(2026, 12, 20), fin=dt.date(2027, 1, 3))
    moved = [*DIJON[:4], "2 place Darcy", *DIJON[5:]]

    assert _import(tmp_path, [LYON, moved, DROITS], "b.csv").summary() == "created=0 updated=2 unchanged=1 rejected=0"

    new_lyon = fle.lieux.get(commune_id="69123")
    assert new_lyon.pk != lyon.pk  # rewritten with its dispositif's other lieu
    kept.refresh_from_db()
    assert kept.lieu_id == new_lyon.pk
    assert not Fermeture.objects.filter(pk=gone.pk).exists()


def test_themes_and_coverage_follow_the_file(tmp_path):
    _import(tmp_path, [LYON, DIJON, DROITS], "a.csv")
    droits = Dispositif.objects.get(source="s", external_id="DROITS-1")
    assert list(droits.departements.values_list("code", flat=True)) == ["21"]
    other = [*DROITS[:3], "Accès aux droits; Emploi", *DROITS[4:7], "Dijon", DROITS[8]]

    assert _import(tmp_path, [LYON, DIJON, other], "b.csv").summary() == "created=0 updated=1 unchanged=2 rejected=0"

    themes = _themes("DROITS-1")
    assert len(themes) == 2 and themes[0] != _themes("FLE-1")[0]
    assert not droits.departements.exists()
    assert list(droits.communes.values_list("code", flat=True)) == ["21231"]
    codes = set(RechercheCouverture.objects.filter(dispositif_id=droits.pk).values_list("code", flat=True))
    assert codes == {"c21231"}
    side = RechercheLieu.objects.get(dispositif_id=droits.pk)
    assert set(themes) <= set(side.themes)

    # and back: the same file as the first time gives the first rows again
    assert _import(tmp_path, [LYON, DIJON, DROITS], "c.csv").summary() == "created=0 updated=1 unchanged=2 rejected=0"
    assert list(droits.departements.values_list("code", flat=True)) == ["21"] and not droits.communes.exists()
    assert len(_themes("DROITS-1")) == 1
