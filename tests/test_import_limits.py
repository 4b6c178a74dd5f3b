"""Hostile or broken files cannot hurt the server: refused before reading (size, zip bomb, a sheet
claiming 17 billion cells), or rejected line by line (NUL byte, huge cell, mixed encodings), and
duplicate headers are an error. Every file is generated here, small."""

import io
import subprocess
import sys
import zipfile

import pytest
from django.core.management import call_command

from dispositifs.models import Dispositif
from imports.models import ImportRun
from imports.services import import_file
from tests.import_files import HEADER, ROWS, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

DIJON = ["Atelier numérique", "Centre social Dijon", "Numérique", "", "21000", "Dijon", "", "", ""]


def _run(capsys, *args):
    try:
        call_command("import_dispositifs", *[str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out.strip().splitlines(), err.strip().splitlines()


def _refused(capsys, path, *extra):
    code, out, err = _run(capsys, path, "--source", "s", *extra)
    assert code == 2 and len(err) == 1 and "Traceback" not in err[0], err
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=0" and not Dispositif.objects.exists()
    run = ImportRun.objects.get()
    assert run.status == "failed" and run.finished_at and run.message
    return err[0]


def _rewrite(path, member, transform):
    """Rewrite one member of a zip (an XLSX built by openpyxl) through `transform(bytes) -> bytes`."""
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in items:
            dst.writestr(info, transform(data) if info.filename == member else data)
    return path


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, capsys):
    path = write_csv(tmp_path / "gros.csv", ROWS * 12_000)  # ~1.5 MB
    line = _refused(capsys, path, "--max-size", "1")
    assert "fichier trop gros" in line and "limite 1 Mo" in line


def _xfd_workbook(tmp_path):
    path = write_xlsx(tmp_path / "xfd.xlsx", ROWS)
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    return _rewrite(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        b'<dimension ref="A1:I4"', b'<dimension ref="A1:XFD1048576"').replace(b"</sheetData>", far))


def test_sheet_claiming_cell_xfd1048576_is_refused_not_a_crash(tmp_path, capsys):
    path = _xfd_workbook(tmp_path)
    assert path.stat().st_size < 10_000
    # Unguarded, python-calamine aborts the whole process (Rust allocation failure): what the guard prevents.
    calamine = subprocess.run([sys.executable, "-c", "import sys; from python_calamine import CalamineWorkbook; "
                               "CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python(skip_empty_area=False)",
                               str(path)], capture_output=True, timeout=60)
    assert calamine.returncode < 0 or calamine.returncode == 134, calamine.returncode
    line = _refused(capsys, path)
    assert "déclare une plage allant jusqu'à XFD1048576" in line and "1 048 576 lignes × 16 384 colonnes" in line


def test_sheet_with_a_real_cell_far_away_is_refused(tmp_path, capsys):
    path = write_xlsx(tmp_path / "loin.xlsx", ROWS)
    far = b'<row r="900000"><c r="ZZ900000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    _rewrite(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</sheetData>", far)
             .replace(b'<dimension ref="A1:I4"/>', b"").replace(b'<dimension ref="A1:I4" />', b""))
    assert "contient des cellules jusqu'en ZZ900000" in _refused(capsys, path)


def test_zip_bomb_workbook_is_refused_without_inflating_it(tmp_path, capsys):
    path = write_xlsx(tmp_path / "bombe.xlsx", ROWS)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z, \
            z.open("xl/media/image1.bin", "w", force_zip64=True) as member:
        zeros = bytes(1 << 20)
        for _ in range(150):  # 150 MB of zeros, about 150 KB compressed
            member.write(zeros)
    assert path.stat().st_size < 1_000_000
    line = _refused(capsys, path)
    assert "se décompresse en plus de" in line and "enregistrez-le en CSV" in line


def test_nul_byte_rejects_its_line_only(tmp_path, capsys):
    path = write_csv(tmp_path / "nul.csv", [ROWS[0], ["Cours\x00 de couture", *DIJON[1:]], DIJON])
    code, out, _ = _run(capsys, path, "--source", "s", "--report", tmp_path / "r.csv")
    assert code == 1 and out[-1] == "created=2 updated=0 unchanged=0 rejected=1"
    problem = ImportRun.objects.get().problems.get(severity="error")
    assert problem.line == 3 and "caractère nul" in problem.reason


def test_cell_over_the_limit_rejects_its_line_only(tmp_path, capsys):
    huge = "x" * 200_000
    path = write_csv(tmp_path / "long.csv", [ROWS[0], ["Cours de FLE long", "Asso", "FLE", huge, "21000", "Dijon",
                                                       "", "", ""], DIJON])
    code, out, _ = _run(capsys, path, "--source", "s")
    assert code == 1 and out[-1] == "created=2 updated=0 unchanged=0 rejected=1"
    problem = ImportRun.objects.get().problems.get(severity="error")
    assert problem.line == 3 and "dépasse 131 072 caractères" in problem.reason
    assert set(Dispositif.objects.values_list("title", flat=True)) == {"Cours de FLE", "Atelier numérique"}


def _mixed(path, base, odd, odd_index=2):
    buf = io.StringIO(newline="")
    import csv

    w = csv.writer(buf, delimiter=";")
    rows = [HEADER, ["Hébergement d'urgence", "Œuvre", "Logement", "", "21000", "Dijon", "", "", ""],
            ["Cours de français – débutants", "Élan", "FLE", "", "21000", "Dijon", "", "", ""],
            ["Accès à la santé", "Santé pour tous", "Santé", "", "21000", "Dijon", "", "", ""]]
    data = b""
    for i, row in enumerate(rows):
        buf.seek(0)
        buf.truncate()
        w.writerow(row)
        data += buf.getvalue().encode(odd if i == odd_index else base)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("base,odd,file_encoding", [("utf-8", "cp1252", "UTF-8"), ("cp1252", "utf-8", "cp1252")])
def test_one_line_in_another_encoding_is_read_right_and_flagged(tmp_path, capsys, base, odd, file_encoding):
    path = _mixed(tmp_path / "mixte.csv", base, odd)
    code, out, _ = _run(capsys, path, "--source", "s")
    assert code == 0 and out[-1] == "created=3 updated=0 unchanged=0 rejected=0"  # not "missing columns"
    titles = set(Dispositif.objects.values_list("title", flat=True))
    assert titles == {"Hébergement d'urgence", "Cours de français – débutants", "Accès à la santé"}  # no mojibake
    warning = ImportRun.objects.get().problems.get(cause="encodage-mixte")
    assert warning.line == 3 and warning.severity == "warning" and "encodage mixte" in warning.reason


def test_undecodable_line_is_rejected_with_its_number(tmp_path, capsys):
    path = write_csv(tmp_path / "octets.csv", [ROWS[0], DIJON])
    path.write_bytes(path.read_bytes() + "Cours\x81 de couture;Asso;FLE;;21000;Dijon;;;\r\n".encode("latin-1"))
    code, out, _ = _run(capsys, path, "--source", "s")
    assert code == 1 and out[-1] == "created=2 updated=0 unchanged=0 rejected=1"
    problem = ImportRun.objects.get().problems.get(severity="error")
    assert problem.line == 4 and "octets illisibles" in problem.reason


def test_duplicate_header_names_are_an_error_naming_both_columns(tmp_path, capsys):
    header = [*HEADER[:6], "Téléphone", "Commune", "Courriel"]
    path = write_csv(tmp_path / "doublon.csv", [[*r[:6], "", "Lyon", ""] for r in ROWS], header=header)
    line = _refused(capsys, path)
    assert "en-têtes en double : « Commune » en colonne F (6e) et « Commune » en colonne H (8e)" in line


def test_limits_come_from_settings(tmp_path, settings):
    from imports.limits import FileRefused, Limits, check_file

    path = _xfd_workbook(tmp_path)
    with pytest.raises(FileRefused):
        check_file(path, Limits.from_settings())
    settings.IMPORT_MAX_CELLS = 20_000_000_000  # the refusal was the limit's doing
    check_file(path, Limits.from_settings())


def test_export_guard_apostrophe_is_stripped_on_import(tmp_path):
    from maps.exports import export, make_scope

    title = "=cmd|' /C calc'!A0"
    rows = [[title, "Asso =HYPERLINK", "FLE", "", "21000", "Dijon", "", "+33 3 80 00 00 00", ""], DIJON]
    first = import_file(write_csv(tmp_path / "source.csv", rows), source="s", departement="21")
    assert first.summary() == "created=2 updated=0 unchanged=0 rejected=0"
    assert Dispositif.objects.filter(title=title).exists()
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"export.{fmt}"
        text = {} if fmt == "xlsx" else {"encoding": "utf-8", "newline": ""}
        with open(out, "wb" if fmt == "xlsx" else "w", **text) as stream:
            export(make_scope(departement="21"), fmt, stream)
        if fmt == "csv":
            assert "'=cmd|" in out.read_text(encoding="utf-8")  # the export is guarded...
        again = import_file(out, source="s", departement="21")
        assert again.summary() == "created=0 updated=0 unchanged=2 rejected=0", fmt  # ...and reads back the same
    assert Dispositif.objects.filter(title=title).count() == 1


def _ods_with(tmp_path, name, rows_xml):
    from tests.import_files import write_ods

    path = write_ods(tmp_path / name, ROWS)
    return _rewrite(path, "content.xml", lambda xml: xml.replace(b"</table:table>", rows_xml + b"</table:table>", 1))


def test_ods_repeating_a_filled_cell_a_billion_times_is_refused(tmp_path, capsys):
    bomb = (b'<table:table-row table:number-rows-repeated="100000"><table:table-cell '
            b'table:number-columns-repeated="900" office:value-type="string"><text:p>x</text:p>'
            b"</table:table-cell></table:table-row>")  # 90 million cells from 2 KB
    line = _refused(capsys, _ods_with(tmp_path, "bombe.ods", bomb))
    assert "contient des cellules jusqu'en" in line and "100 004 lignes × 900 colonnes" in line


def test_ods_trailing_empty_repeats_as_libreoffice_writes_them_are_fine(tmp_path, capsys):
    empty = (b'<table:table-row table:number-rows-repeated="1048571"><table:table-cell '
             b'table:number-columns-repeated="16384"/></table:table-row>')
    code, out, _ = _run(capsys, _ods_with(tmp_path, "libre.ods", empty), "--source", "s")
    assert code == 0 and out[-1] == "created=3 updated=0 unchanged=0 rejected=0"


def test_zip_member_larger_than_its_declared_size_is_refused(tmp_path, capsys):
    """A zip directory that lies (1 KB declared, 50 MB inside) is caught by what really comes out."""
    import struct

    path = write_xlsx(tmp_path / "menteur.xlsx", ROWS)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/image1.bin", bytes(50 << 20))
    data = bytearray(path.read_bytes())
    name = b"xl/media/image1.bin"
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        start = data.find(signature + b"")
        while start != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[start + size_at:start + size_at + 4] = struct.pack("<I", 1024)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/media/image1.bin").file_size == 1024
    line = _refused(capsys, path)
    assert "classeur endommagé" in line and "image1.bin" in line


def test_rows_without_numbers_count_too(tmp_path, capsys):
    """Rows without r="" follow one another: 400 of them under a cell in column XFD make 6.5 million cells."""
    path = write_xlsx(tmp_path / "positions.xlsx", ROWS)
    rows = b'<row r="5"><c r="XFD5" t="inlineStr"><is><t>x</t></is></c></row>' + b"<row/>" * 400
    _rewrite(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>")
             .replace(b'<dimension ref="A1:I4" />', b"").replace(b'<dimension ref="A1:I4"/>', b""))
    assert "contient des cellules jusqu'en XFD" in _refused(capsys, path)
