"""CSV and XLSX writers from the Python rows. Attribution: XLSX carries it in a second sheet
« À propos »; CSV has no standard place for it, so the HTTP answer carries it in headers (see
api/exports.py) and the command prints it. The exports write CSV with PostgreSQL's COPY (sql.py);
`write_csv` stays as the reference the COPY output is tested against, cell for cell."""

import csv

from .rows import COLUMNS, escape_formula, iter_rows


def write_csv(stream, dispositifs) -> int:
    """UTF-8 with BOM (Excel opens it with the right accents), `;` separated as French Excel expects."""
    stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    for _d, _lieu, row in iter_rows(dispositifs):
        writer.writerow([escape_formula(row[k]) for k in COLUMNS])
        n += 1
    return n


def write_xlsx(path_or_stream, dispositifs, *, metadata: dict) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Dispositifs")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    n = 0
    for _d, _lieu, row in iter_rows(dispositifs):
        ws.append([_xlsx_value(row[k]) for k in COLUMNS])
        n += 1
    about = wb.create_sheet("À propos")
    for key, value in metadata.items():
        about.append([key, _xlsx_value(str(value))])
    about.append(["lignes", n])
    wb.save(path_or_stream)
    return n


def _xlsx_value(value):
    value = escape_formula(value)
    if isinstance(value, str):
        # openpyxl refuses control characters other than tab/newline in cells.
        value = "".join(ch for ch in value if ch >= " " or ch in "\t\n")
    return value
