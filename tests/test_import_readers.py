"""Readers and column recognition: the files operators actually send, read as they are."""

import pytest

from imports.columns import MissingColumns, find_header, recognise
from imports.readers import UnreadableFile, read_file
from tests.import_files import HEADER, ROWS, write_csv, write_geojson, write_ods, write_xlsx


def _data(sheet):
    colmap = recognise(sheet)
    return colmap, sheet.rows[colmap.header_index + 1:]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "offre.csv", ROWS, encoding=encoding, delimiter=delimiter)
    sheet = read_file(path)
    colmap, rows = _data(sheet)
    assert sheet.delimiter == delimiter
    assert colmap.headers[0] == "Intitulé"  # accents decoded, BOM stripped
    assert rows[1][0] == "Permanence d'accès aux droits"
    assert rows[0][2] == "FLE"
    assert {"title", "structure", "themes", "address", "postal_code", "commune", "zone", "phone",
            "email"} <= set(colmap.fields)


def test_cp1252_detected_as_windows_not_utf8(tmp_path):
    path = write_csv(tmp_path / "excel.csv", [["Hébergement d'urgence – « mise à l'abri »", "Œuvre", "Logement",
                                               "", "1000", "Bourg-en-Bresse", "", "", ""]], encoding="cp1252")
    sheet = read_file(path)
    assert sheet.encoding == "cp1252"
    assert sheet.rows[1][0] == "Hébergement d'urgence – « mise à l'abri »"  # en dash and guillemets from cp1252
    assert sheet.rows[1][1] == "Œuvre"


def test_xlsx_title_rows_and_merged_title_cell(tmp_path):
    path = write_xlsx(tmp_path / "bfc.xlsx", ROWS, title_rows=[
        ["Recensement des actions d'intégration — Bourgogne-Franche-Comté"], ["Mise à jour : 15/10/2026"], []])
    sheet = read_file(path)
    colmap, rows = _data(sheet)
    assert colmap.header_index == 3 and colmap.header_line == 4
    assert sheet.lines[colmap.header_index + 1] == 5  # the first data row is line 5 in the spreadsheet
    assert rows[0][0] == "Cours de FLE"


def test_xlsx_picks_first_sheet_with_a_header(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Notice"
    wb.active.append(["Ce classeur recense les actions ; voir l'onglet suivant."])
    data = wb.create_sheet("Actions")
    data.append(HEADER)
    data.append(ROWS[0])
    wb.save(tmp_path / "two.xlsx")
    sheet = read_file(tmp_path / "two.xlsx", pick=lambda s: find_header(s.rows) is not None)
    assert sheet.name == "Actions"


def test_ods(tmp_path):
    sheet = read_file(write_ods(tmp_path / "offre.ods", ROWS))
    colmap, rows = _data(sheet)
    assert len(rows) == 3 and rows[2][0] == "Plateforme emploi réfugiés"


def test_geojson_properties_and_points(tmp_path):
    path = write_geojson(tmp_path / "offre.geojson", [
        ({"intitule": "Cours de FLE", "thematique": "FLE", "commune": "Lyon"}, (4.83, 45.76)),
        ({"intitule": "Permanence", "thematique": "Droits", "commune": "Dijon"}, None),
    ])
    sheet = read_file(path)
    colmap, rows = _data(sheet)
    assert colmap.fields["title"] == 0
    assert sheet.geometries == [None, (4.83, 45.76), None]
    assert rows[1][2] == "Dijon"


def test_header_synonyms_without_profile(tmp_path):
    header = ["Nom de l'action", "Structure porteuse", "Thématiques", "Public cible", "CP", "Ville",
              "Zone d'intervention", "Tél.", "Mail", "Site internet", "Gratuité"]
    colmap = recognise(read_file(write_csv(tmp_path / "x.csv", [], header=header)))
    assert colmap.fields == {"title": 0, "structure": 1, "themes": 2, "publics": 3, "postal_code": 4, "commune": 5,
                             "zone": 6, "phone": 7, "email": 8, "website": 9, "free": 10}


def test_missing_required_column_names_it_and_lists_headers(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["a", "b", "c"]], header=["Intitulé", "Structure", "Commune"])
    with pytest.raises(MissingColumns) as e:
        recognise(read_file(path))
    message = str(e.value)
    assert "thématique" in message and "« Intitulé », « Structure », « Commune »" in message


def test_profile_maps_unusual_headers(tmp_path):
    from imports.columns import load_profile

    header = ["Réf. action", "Libellé programme", "Opérateur", "Axe", "Ville lieu", "CP lieu"]
    path = write_csv(tmp_path / "agir.csv", [["A1", "Parcours AGIR", "Opérateur X", "Logement", "Dijon", "21000"]],
                     header=header)
    with pytest.raises(MissingColumns):
        recognise(read_file(path))
    colmap = recognise(read_file(path), load_profile("agir-bilan"))
    assert colmap.fields == {"external_id": 0, "title": 1, "structure": 2, "themes": 3, "commune": 4,
                             "postal_code": 5}


@pytest.mark.parametrize("name,content", [("vide.csv", b""), ("casse.xlsx", b"PK\x03\x04 not a zip"),
                                          ("image.png", b"\x89PNG\r\n"), ("faux.geojson", b"{not json")])
def test_unreadable_files(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(UnreadableFile):
        read_file(tmp_path / name)


def test_json_array_of_objects(tmp_path):
    import json

    path = tmp_path / "services.json"
    path.write_text(json.dumps([{"nom": "Cours de FLE", "thematiques": ["FLE", "Santé"], "commune": "Dijon"}]),
                    encoding="utf-8")
    from imports.columns import load_profile

    sheet = read_file(path)
    colmap = recognise(sheet, load_profile("datainclusion"))
    assert sheet.rows[1] == ["Cours de FLE", "FLE; Santé", "Dijon"]
    assert set(colmap.fields) == {"title", "themes", "commune"}


def test_csv_title_rows_above_the_header(tmp_path):
    path = write_csv(tmp_path / "t.csv", ROWS, title_rows=[["DDETS de l'Ain - offre 2026"], [""]])
    colmap, rows = _data(read_file(path))
    assert colmap.header_line == 3 and rows[0][0] == "Cours de FLE"


def test_excel_unicode_text_export_utf16_tab(tmp_path):
    path = write_csv(tmp_path / "unicode.txt", ROWS, encoding="utf-16", delimiter="\t")
    sheet = read_file(path)
    colmap, rows = _data(sheet)
    assert sheet.delimiter == "\t" and rows[1][0] == "Permanence d'accès aux droits"


@pytest.mark.django_db
def test_geojson_points_without_commune_are_located(tmp_path):
    from dispositifs.models import Dispositif
    from imports.services import import_file

    path = write_geojson(tmp_path / "points.geojson", [
        ({"intitule": "A", "thematique": "FLE", "adresse": "45 rue de la Liberté"}, (5.0378, 47.3220)),
        ({"intitule": "B", "thematique": "FLE"}, (4.8357, 45.7640)),
        ({"intitule": "C", "thematique": "FLE"}, (-8.0, 46.0)),  # in the Atlantic
    ])
    result = import_file(path, source="pts")
    assert result.summary() == "created=2 updated=0 unchanged=0 rejected=1"
    lieux = {d.title: d.lieux.get() for d in Dispositif.objects.filter(source="pts")}
    assert (lieux["A"].commune_id, lieux["A"].precision) == ("21231", "adresse")
    assert (lieux["B"].commune_id, lieux["B"].precision) == ("69123", "commune")
    assert result.report.errors[0].line == 4 and "aucune commune" in result.report.errors[0].reason
