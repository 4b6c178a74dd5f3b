"""One dispositif, several lieux: rows sharing an identifiant are one dispositif whose lieux are
the union of the rows' lieux; every row is still counted once, with its dispositif's outcome."""

import pytest

from dispositifs.models import Dispositif
from imports.services import import_file
from tests.ban_server import BanServer
from tests.import_files import write_csv

pytestmark = pytest.mark.django_db

HEADER = ["Identifiant", "Intitulé", "Structure", "Thématique", "Gratuit", "Adresse", "Code postal", "Commune",
          "Téléphone"]
LYON = ["FLE-1", "Cours de FLE", "Asso Français Pour Tous", "FLE", "Oui", "12 rue de la République", "69002",
        "Lyon", "04 78 12 34 56"]
# Same dispositif written as people do: the phone spelled another way, "Gratuit" for "Oui".
DIJON = ["FLE-1", "Cours de FLE", "Asso Français Pour Tous", "FLE", "Gratuit", "45 rue de la Liberté", "21000",
         "Dijon", "04.78.12.34.56"]
BOURG = ["FLE-1", "Cours de FLE", "Asso Français Pour Tous", "FLE", "Oui", "", "1000", "Bourg-en-Bresse",
         "0478123456"]
OTHER = ["DROITS-1", "Permanence d'accès aux droits", "Cimade", "Accès aux droits", "", "", "21000", "Dijon", "115"]


def _import(tmp_path, rows, name="f.csv", source="s"):
    return import_file(write_csv(tmp_path / name, rows, header=HEADER), source=source)


def _communes(external_id="FLE-1", source="s"):
    d = Dispositif.objects.get(source=source, external_id=external_id)
    return sorted(d.lieux.values_list("commune_id", flat=True))


def test_rows_with_the_same_identifiant_are_one_dispositif_with_their_lieux(tmp_path):
    result = _import(tmp_path, [LYON, DIJON, OTHER])
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=0" and result.exit_code == 0
    assert result.run.rows == 3 and result.run.created == 3
    assert Dispositif.objects.filter(source="s").count() == 2
    assert _communes() == ["21231", "69123"]
    fle = Dispositif.objects.get(source="s", external_id="FLE-1")
    assert fle.free is True and fle.phone == "04 78 12 34 56"
    addresses = sorted(fle.lieux.values_list("address", flat=True))
    assert addresses == ["12 rue de la République", "45 rue de la Liberté"]


def test_two_rows_same_identifiant_counts_created_2_then_unchanged_2(tmp_path):
    assert _import(tmp_path, [LYON, DIJON]).summary() == "created=2 updated=0 unchanged=0 rejected=0"
    assert Dispositif.objects.filter(source="s").count() == 1 and _communes() == ["21231", "69123"]
    before = dict(Dispositif.objects.filter(source="s").values_list("id", "updated_at"))
    lieux_before = sorted(Dispositif.objects.get(source="s").lieux.values_list("id", flat=True))

    again = _import(tmp_path, [LYON, DIJON], name="again.csv")
    assert again.summary() == "created=0 updated=0 unchanged=2 rejected=0"
    # the lieux are part of the content hash in any order: the same rows reversed change nothing
    reversed_ = _import(tmp_path, [DIJON, LYON], name="reversed.csv")
    assert reversed_.summary() == "created=0 updated=0 unchanged=2 rejected=0"
    assert dict(Dispositif.objects.filter(source="s").values_list("id", "updated_at")) == before
    assert sorted(Dispositif.objects.get(source="s").lieux.values_list("id", flat=True)) == lieux_before


def test_adding_or_removing_a_lieu_row_updates_the_dispositif(tmp_path):
    _import(tmp_path, [LYON, DIJON, OTHER])
    added = _import(tmp_path, [LYON, DIJON, BOURG, OTHER], name="v2.csv")
    assert added.summary() == "created=0 updated=3 unchanged=1 rejected=0"
    assert _communes() == ["01053", "21231", "69123"]
    assert Dispositif.objects.filter(source="s").count() == 2
    removed = _import(tmp_path, [BOURG, OTHER], name="v3.csv")
    assert removed.summary() == "created=0 updated=1 unchanged=1 rejected=0"
    assert _communes() == ["01053"]


def test_the_same_lieu_twice_is_kept_once_and_both_rows_counted(tmp_path):
    result = _import(tmp_path, [LYON, DIJON, LYON])
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=0"
    assert _communes() == ["21231", "69123"]


def test_a_row_whose_dispositif_columns_differ_is_rejected_and_the_others_import(tmp_path):
    conflicting = list(BOURG)
    conflicting[3] = "Emploi"  # Thématique
    conflicting[8] = "03 85 00 00 00"  # Téléphone
    result = _import(tmp_path, [LYON, conflicting, DIJON, OTHER])
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=1" and result.exit_code == 1
    errors = [p for p in result.report.problems if p.severity == "error"]
    assert len(errors) == 1
    error = errors[0]
    assert (error.line, error.column, error.value) == (3, "Thématique", "Emploi")
    assert "même identifiant que la ligne 2" in error.reason
    assert "« Thématique »" in error.reason and "« Téléphone »" in error.reason
    assert "Intitulé" not in error.reason and "Gratuit" not in error.reason  # only the differing columns
    assert _communes() == ["21231", "69123"]  # the rejected row's lieu (Bourg-en-Bresse) is not added
    fle = Dispositif.objects.get(source="s", external_id="FLE-1")
    assert list(fle.themes.values_list("slug", flat=True)) != ["emploi"] and fle.phone == "04 78 12 34 56"


def test_rows_without_identifiant_join_on_title_and_structure(tmp_path):
    """Issue #11: the same title and structure at two addresses is one dispositif with two lieux;
    the same title and structure saying something else elsewhere stays its own dispositif."""
    header = HEADER[1:]
    other_phone = [*BOURG[1:8], "04 74 00 00 00"]
    rows = [LYON[1:], DIJON[1:], other_phone]
    result = import_file(write_csv(tmp_path / "f.csv", rows, header=header), source="s")
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=0"
    assert sorted(d.lieux.count() for d in Dispositif.objects.filter(source="s")) == [1, 2]


def test_ban_geocodes_each_lieu(tmp_path, settings):
    nowhere = [*DIJON[:5], "1 impasse Nulle Part", "21000", "Dijon", DIJON[8]]
    with BanServer() as ban:
        settings.GEOCODER, settings.BAN_URL, settings.BAN_TIMEOUT = "ban", ban.url, 0.5
        result = _import(tmp_path, [LYON, DIJON, nowhere])
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=0"
    assert sorted(ban.requests) == ["1 impasse Nulle Part 21000 Dijon", "12 rue de la République 69002 Lyon",
                                    "45 rue de la Liberté 21000 Dijon"]
    lieux = {lieu.address: lieu for lieu in Dispositif.objects.get(source="s").lieux.all()}
    assert lieux["12 rue de la République"].precision == "adresse"
    assert lieux["45 rue de la Liberté"].precision == "adresse"
    assert lieux["1 impasse Nulle Part"].precision == "commune"
    # the warning names the row that gave the lieu, not the dispositif's first row
    assert [(p.line, "non trouvée" in p.reason) for p in result.report.warnings] == [(4, True)]
