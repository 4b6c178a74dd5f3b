"""The COPY exports (maps/exports/sql.py) write the same cells as the Python rows (rows.py), on a
generated national-shaped dataset plus hand-made awkward rows; they stream in bounded blocks."""

import csv
import io
import json
from datetime import date

import pytest
from django.contrib.gis.geos import Point

from bench.data import generate
from dispositifs.models import Dispositif, Lieu, Structure
from maps.exports import chunks, export, make_scope, metadata
from maps.exports.copy import CHUNK_BYTES
from maps.exports.geojson import write_geojson
from maps.exports.scope import iter_dispositifs
from maps.exports.tabular import write_csv
from territoires.models import Commune, Departement, Region

from .maps_cases import build_small_case

pytestmark = pytest.mark.django_db


def awkward_rows():
    """Cells that CSV quoting, JSON escaping, labels and the formula guard must all get right."""
    structure = Structure.objects.create(name='Asso "Les Amis"; Lyon', kind="operateur-agir", siret="12345678901234")
    lyon = Commune.objects.get(code="69123")
    d = Dispositif.objects.create(
        title="=HYPERLINK(\"http://x\")", summary="-2+3", description="ligne 1\nligne 2\r\n« guillemets » \\ ; \t",
        structure=structure, status="publie", source="test", external_id="@ID-1", import_key="awk-1",
        publics=["bpi", "inconnu", "femmes"], protection_statuses=["refugie"], age_min=16, age_max=25,
        french_level="A2", languages=["ar", "fa"], free=False, price="+5 €", modality="mixte",
        registration="\tappeler", phone="04 72 00 00 00", email="x@example.org", website="https://x.example.org",
        start_date=date(2026, 1, 31), end_date=date(2026, 12, 1), last_verified=date(2026, 3, 4))
    d.themes.set(["sante", "lecture-ecriture-calcul--maitriser-le-francais"])
    d.regions.set([Region.objects.get(code="84")])
    d.departements.set([Departement.objects.get(code="01"), Departement.objects.get(code="2A")])
    d.communes.set([lyon, Commune.objects.get(code="01053")])
    # A commune-centre point (coordinates left blank in CSV), an exact address, a second lieu.
    Lieu.objects.create(dispositif=d, commune=lyon, point=lyon.centre, precision="commune", name="=centre",
                        accessibility="PMR", opening_hours="Mo-Fr 09:00-12:00")
    Lieu.objects.create(dispositif=d, commune=lyon, point=Point(4.8357123456, 45.7640987654, srid=4326),
                        precision="adresse", address="12 rue \"Neuve\"", postal_code="69002")
    bare = Dispositif.objects.create(title="Sans structure ni lieu", status="publie", national=True, source="test",
                                     import_key="awk-2", modality="", free=None)
    bare.themes.set(["sante"])
    return d, bare


@pytest.fixture
def dataset():
    generate(600, 1000, seed=7)  # every coverage level, national ones, several lieux, no lieu
    build_small_case()
    awkward_rows()


def python_csv(scope) -> list[list[str]]:
    stream = io.StringIO()
    write_csv(stream, iter_dispositifs(scope))
    return list(csv.reader(io.StringIO(stream.getvalue()[1:]), delimiter=";"))


def sql_csv(scope) -> tuple[int, list[list[str]]]:
    counter = [0]
    data = b"".join(chunks(scope, "csv", counter)).decode("utf-8")
    assert data.startswith("\ufeff")
    return counter[0], list(csv.reader(io.StringIO(data[1:]), delimiter=";"))


SCOPES = [{"all": True}, {"departement": "69"}, {"departement": "35"}, {"region": "84"}, {"departement": "2A"}]


@pytest.mark.parametrize("where", SCOPES, ids=lambda w: "-".join(f"{k}={v}" for k, v in w.items()))
def test_sql_csv_has_the_python_rows_cell_for_cell(dataset, where):
    scope = make_scope(**where)
    expected = python_csv(scope)
    count, rows = sql_csv(scope)
    assert count == len(expected) - 1 > 0
    assert rows[0] == expected[0]  # the importer's headers
    for got, want in zip(rows[1:], expected[1:], strict=True):
        assert dict(zip(rows[0], got, strict=True)) == dict(zip(expected[0], want, strict=True))


def test_awkward_cells_in_the_sql_csv(dataset):
    _count, rows = sql_csv(make_scope(all=True))
    header = rows[0]
    awk = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] == "'@ID-1"]
    assert len(awk) == 2  # one row per lieu
    first = awk[0]
    assert first["Intitulé"] == "'=HYPERLINK(\"http://x\")" and first["Résumé"] == "'-2+3"
    assert first["Description"] == "ligne 1\nligne 2\r\n« guillemets » \\ ; \t"
    assert first["Structure"] == 'Asso "Les Amis"; Lyon' and first["Type de structure"] == "Opérateur AGIR"
    assert first["Public"] == "Bénéficiaires de la protection internationale; inconnu; Femmes"
    assert first["Zone d'intervention"] == ("Région Auvergne-Rhône-Alpes; Département Ain; Département Corse-du-Sud; "
                                            "01053; 69123")
    assert (first["Gratuit"], first["Tarif"], first["Inscription"]) == ("Non", "'+5 €", "'\tappeler")
    assert (first["Date de début"], first["Date de vérification"]) == ("31/01/2026", "04/03/2026")
    assert first["Nom du lieu"] == "'=centre" and first["Latitude"] == first["Longitude"] == ""
    assert (awk[1]["Latitude"], awk[1]["Longitude"]) == ("45.764099", "4.835712")


@pytest.mark.parametrize("where", SCOPES[:3], ids=lambda w: "-".join(f"{k}={v}" for k, v in w.items()))
def test_sql_geojson_has_the_python_features(dataset, where):
    scope = make_scope(**where)
    stream = io.StringIO()
    write_geojson(stream, iter_dispositifs(scope), metadata=metadata(scope))
    expected = json.loads(stream.getvalue())
    counter = [0]
    got = json.loads(b"".join(chunks(scope, "geojson", counter)))
    assert got["metadata"]["attribution"] == expected["metadata"]["attribution"]
    assert counter[0] == len(got["features"]) == len(expected["features"]) > 0
    assert got["features"] == expected["features"]
    assert list(got["features"][0]["properties"])[:3] == ["Identifiant", "Intitulé", "Structure"]  # columns order


def test_export_writes_text_or_bytes_and_counts(dataset):
    scope = make_scope(departement="69")
    text, binary = io.StringIO(), io.BytesIO()
    n_text = export(scope, "csv", text)
    n_bytes = export(scope, "csv", binary)
    assert n_text == n_bytes > 0
    assert binary.getvalue().decode("utf-8") == text.getvalue()


def test_a_streamed_export_is_not_cut_by_the_web_statement_timeout(dataset):
    """Web processes run with a statement timeout of a few seconds; a COPY streaming a région to a
    slow client must not be cut mid-file behind its 200 (copy.STATEMENT_TIMEOUT replaces it)."""
    from django.db import OperationalError, connection, transaction

    expected = len(python_csv(make_scope(all=True))) - 1
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 1")  # 1 ms, session-wide, as the web's `-c statement_timeout`
        try:
            with pytest.raises(OperationalError, match="statement timeout"), transaction.atomic():
                cursor.execute("SELECT pg_sleep(0.05)")
            count, rows = sql_csv(make_scope(all=True))
        finally:
            cursor.execute("RESET statement_timeout")
    assert count == len(rows) - 1 == expected


def test_blocks_are_bounded(dataset):
    """Memory stays flat: PostgreSQL's rows are gathered into blocks of CHUNK_BYTES, never the whole file."""
    blocks = list(chunks(make_scope(all=True), "geojson"))
    assert len(blocks) > 3
    assert max(len(b) for b in blocks) < CHUNK_BYTES + 64 * 1024  # a block ends after the row that filled it


@pytest.mark.django_db(transaction=True)
def test_parallel_export_is_the_serial_export_byte_for_byte():
    """The national files are split over several connections in one snapshot (copy.py); committed
    data (transaction=True) so the helper connections see it."""
    generate(600, 1000, seed=7)
    awkward_rows()
    scope = make_scope(all=True)
    meta = metadata(scope)
    for fmt in ("csv", "geojson"):
        serial, parallel = [0], [0]
        expected = b"".join(chunks(scope, fmt, serial, meta=meta))
        got = b"".join(chunks(scope, fmt, parallel, meta=meta, parallel=3))
        assert parallel[0] == serial[0] > 1000
        assert got == expected
