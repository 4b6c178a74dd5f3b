"""Small spreadsheet builders for the import tests: files a reader can check by eye."""

import csv
import io
import json
from pathlib import Path

HEADER = ["Intitulé", "Structure", "Thématique", "Adresse", "Code postal", "Commune", "Zone d'intervention",
          "Téléphone", "Courriel"]
ROWS = [
    ["Cours de FLE", "Asso Français Pour Tous", "FLE", "12 rue de la République", "69002", "Lyon", "",
     "04.78.12.34.56", "contact@afpt.example.org"],
    ["Permanence d'accès aux droits", "Cimade Ain", "Accès aux droits", "", "1000", "Bourg-en-Bresse",
     "Tout le département", "115", ""],
    ["Plateforme emploi réfugiés", "Réseau Emploi", "Emploi", "", "", "", "National", "0800 000 000", ""],
]


def write_csv(path: Path, rows, *, header=HEADER, encoding="utf-8", delimiter=";", title_rows=()) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter)
    for t in title_rows:
        w.writerow(t)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows, *, header=HEADER, title_rows=(), merge_title=True) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for t in title_rows:
        ws.append(list(t))
    if title_rows and merge_title:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_ods(path: Path, rows, *, header=HEADER) -> Path:
    import pandas as pd

    pd.DataFrame(rows, columns=header).to_excel(path, engine="odf", index=False)
    return path


def write_geojson(path: Path, features) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(lonlat)} if lonlat else None,
         "properties": props} for props, lonlat in features]}, ensure_ascii=False), encoding="utf-8")
    return path
