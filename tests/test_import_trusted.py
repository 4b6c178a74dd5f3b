"""A first import COPYs its new rows without per-row foreign-key checks (imports.trusted): the writer
locks each referenced row once and refuses a missing one itself; the search's side tables are
refreshed for the new rows; batches written while the file is still read end up searchable too."""

import json

import pytest
from django.db import IntegrityError, connection, transaction

from dispositifs import side_tables
from dispositifs.models import Dispositif, Lieu
from dispositifs.side_tables import RechercheCouverture, RechercheLieu
from imports import services, writer
from imports.services import import_file
from imports.trusted import trusted_copies
from tests.import_files import write_csv

pytestmark = pytest.mark.django_db

HEADER = ["Identifiant", "Intitulé", "Structure", "Thématique", "Adresse", "Code postal", "Commune",
          "Zone d'intervention"]


def _rows(n):
    places = [("21000", "Dijon"), ("69002", "Lyon"), ("35000", "Rennes")]
    return [[f"T-{i}", f"Cours de FLE {i}", f"Asso {i % 4}", "FLE", f"{i} rue de la Gare", *places[i % 3],
             "Côte-d'Or" if i % 5 == 0 else ""] for i in range(n)]


def _check_foreign_keys():
    with connection.cursor() as cursor:  # what a commit checks, now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_a_file_written_in_batches_is_all_searchable(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "FLUSH_ROWS", 4)  # 11 rows: three batches, two refreshed behind the reading
    result = import_file(write_csv(tmp_path / "f.csv", _rows(11), header=HEADER), source="s")
    _check_foreign_keys()

    assert result.summary() == "created=11 updated=0 unchanged=0 rejected=0"
    lieux = set(Lieu.objects.filter(dispositif__source="s").values_list("id", "dispositif_id"))
    assert len(lieux) == 11
    assert set(RechercheLieu.objects.values_list("lieu_id", "dispositif_id")) == lieux
    zoned = set(Dispositif.objects.filter(source="s", departements="21").values_list("id", flat=True))
    assert len(zoned) == 3
    assert set(RechercheCouverture.objects.filter(code="d21").values_list("dispositif_id", flat=True)) == zoned
    # The same file again: nothing to write, nothing left pending.
    assert import_file(write_csv(tmp_path / "f.csv", _rows(11), header=HEADER), source="s").counts.unchanged == 11
    assert RechercheLieu.objects.count() == 11


def _copy_lieu(commune_code):
    """A new dispositif and one lieu in `commune_code`, through trusted_copies as the writer does."""
    dispositif = Dispositif.objects.create(title="Atelier", status="publie")
    tables, new = [writer.DISPOSITIF, writer.LIEU], (writer.DISPOSITIF, "id", {dispositif.pk})
    with side_tables.deferred(), connection.cursor() as cursor, \
            trusted_copies(cursor, writer._copy, tables=tables, new=new) as copy:
        copy(cursor, writer.LIEU, ["dispositif_id", "commune_id", "point", "name", "address", "postal_code",
                                   "precision", "accessibility", "opening_hours"],
             [(dispositif.pk, commune_code, "SRID=4326;POINT(5.04 47.32)", "", "", "", "commune", "", "")])
    return dispositif


def test_a_reference_to_a_missing_row_is_refused_by_the_writer():
    with pytest.raises(IntegrityError, match=r"territoires_commune\.code : 1 valeur\(s\) .*99999"), \
            transaction.atomic():
        _copy_lieu("99999")
    assert not Lieu.objects.filter(commune_id="99999").exists()


def test_new_rows_reach_the_side_tables_without_their_triggers():
    dispositif = _copy_lieu("21231")
    _check_foreign_keys()
    assert list(RechercheLieu.objects.filter(dispositif_id=dispositif.pk).values_list("lieu_id", flat=True)) == \
        list(dispositif.lieux.values_list("id", flat=True))


def test_with_a_trigger_it_does_not_know_the_database_checks_as_before():
    with connection.cursor() as cursor:
        cursor.execute("CREATE FUNCTION test_lieu_noop() RETURNS trigger LANGUAGE plpgsql AS "
                       "$$ BEGIN RETURN NULL; END $$")
        cursor.execute("CREATE TRIGGER test_lieu_noop AFTER INSERT ON dispositifs_lieu "
                       "FOR EACH STATEMENT EXECUTE FUNCTION test_lieu_noop()")
    # The foreign key's own error, when the constraints are checked.
    with pytest.raises(IntegrityError, match="dispositifs_lieu_commune_id"), transaction.atomic():
        _copy_lieu("99999")
        _check_foreign_keys()


def _side_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_jsonb(r) - 'point' || jsonb_build_object('p', ST_AsText(point)) "
                       "FROM dispositifs_recherche_lieu r ORDER BY lieu_id")
        lieux = [json.loads(row[0]) for row in cursor.fetchall()]
        cursor.execute("SELECT to_jsonb(r) FROM dispositifs_recherche_couverture r ORDER BY dispositif_id, code")
        return lieux, [json.loads(row[0]) for row in cursor.fetchall()]


def test_a_bulk_update_leaves_the_side_tables_as_a_full_recompute_would(tmp_path):
    header = [*HEADER, "Gratuit"]
    first = [[*row, "Oui"] for row in _rows(9)]
    assert import_file(write_csv(tmp_path / "a.csv", first, header=header), source="s").counts.created == 9
    second = [[*row[:-1], "Non" if i % 2 else "Oui"] for i, row in enumerate(first)]   # `free`, a filter column
    second[1][5:8] = ["35000", "Rennes", "Rhône"]   # moved, another zone
    second[2][3] = "Accès aux droits"               # other themes
    del second[4]                                   # archived with --archive-missing
    result = import_file(write_csv(tmp_path / "b.csv", second, header=header), source="s", archive_missing=True)
    assert (result.counts.updated, result.counts.archived) == (5, 1), result.summary()

    written = _side_rows()
    with connection.cursor() as cursor:
        cursor.execute("SELECT recherche_refresh_all()")
    assert written == _side_rows()
    assert len(written[0]) == 8 and {r["free"] for r in written[0]} == {True, False}


def test_a_dispositif_kept_under_its_former_key_is_found_again(tmp_path):
    """Imports made when the key held the place (title + structure + commune) are matched by that
    key: the batch's keys are looked up, the former ones too, never created twice."""
    rows = [row[1:] for row in _rows(3)]   # no identifiant: the key is title + structure
    path = write_csv(tmp_path / "f.csv", rows, header=HEADER[1:])
    assert import_file(path, source="s").counts.created == 3
    first = Dispositif.objects.filter(source="s").order_by("id").first()
    as_then = type("Row", (), {"fields": {"title": first.title}, "structure": {"name": first.structure.name},
                               "lieux": [{"commune": first.lieux.get().commune}], "coverage": None})()
    Dispositif.objects.filter(pk=first.pk).update(import_key=writer.place_key(as_then))   # as stored back then
    again = import_file(path, source="s")
    assert again.summary() == "created=0 updated=0 unchanged=3 rejected=0"
    assert Dispositif.objects.filter(source="s").count() == 3


def _estimate():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'dispositifs_recherche_lieu'::regclass")
        return cursor.fetchone()[0]


def test_the_side_tables_are_analysed_when_their_size_moved(tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dispositifs_recherche_lieu")
    known = _estimate()
    import_file(write_csv(tmp_path / "small.csv", _rows(3), header=HEADER), source="small")
    assert _estimate() == known   # 3 rows: left to autovacuum
    big = [[f"B-{i}", *row[1:]] for i, row in enumerate(_rows(150))]
    import_file(write_csv(tmp_path / "big.csv", big, header=HEADER), source="big")
    assert _estimate() == known + 153   # analysed with the run
