"""Readers: a file as people make it (CSV in any common encoding and separator, XLSX, ODS, GeoJSON)
becomes a list of raw rows, each with the line number the user sees in their spreadsheet.

Readers do not know what the columns mean; header detection lives in `columns.py`.
XLSX and ODS are read with python-calamine (about 25x faster than openpyxl on 50k rows).
"""

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
GEOJSON_SUFFIXES = {".geojson", ".json"}
SNIFF_BYTES = 64 * 1024


class UnreadableFile(Exception):
    """The file cannot be read at all (exit status 2): the message says why, for a person."""


@dataclass
class Sheet:
    """Raw cells of one table. `lines[i]` is the spreadsheet line number of `rows[i]` (1-based)."""

    rows: list[list]
    lines: list[int]
    name: str = ""
    encoding: str = ""
    delimiter: str = ""
    geometries: list = field(default_factory=list)  # GeoJSON only: (lon, lat) or None per row


def cell_text(value) -> str:
    """A cell as text: spreadsheet numbers 1000.0 become "1000", dates become dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y") if value.time() == dt.time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (with or without BOM) first, then what charset-normalizer
    finds, with Windows-1252 as the answer for the old-Excel case it cannot tell from Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:SNIFF_BYTES]).best()
    encoding = (best.encoding if best else "cp1252").lower()
    if encoding in {"latin_1", "iso8859_1", "iso-8859-1", "ascii", "cp1250", "iso8859_15", "mac_roman"}:
        encoding = "cp1252"  # a French spreadsheet export; cp1252 is a superset of Latin-1's printable part
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return data.decode("cp1252", errors="replace"), "cp1252"


def detect_delimiter(text: str) -> str:
    """The separator that splits the first lines most consistently into the most columns."""
    lines = [ln for ln in text.splitlines()[:30] if ln.strip()]
    best, best_score = ",", -1.0
    for delimiter in (";", ",", "\t", "|"):
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        width = max(counts)
        if width < 2:
            continue
        score = width * sum(1 for c in counts if c == width) / len(counts)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv(path: Path) -> Sheet:
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile(f"{path.name} : fichier vide")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(f"{path.name} : ce n'est pas un fichier texte (CSV) lisible")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = data.decode("utf-16"), "utf-16"
    else:
        text, encoding = decode(data)
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, lines = [], []
    try:
        for row in reader:
            # A record spanning several physical lines is still one spreadsheet row.
            lines.append(len(lines) + 1)
            rows.append([c.strip() for c in row])
    except csv.Error as e:
        raise UnreadableFile(f"{path.name} : CSV illisible ligne {reader.line_num} ({e})") from None
    return Sheet(rows=rows, lines=lines, encoding=encoding, delimiter=delimiter)


def read_spreadsheet(path: Path, *, pick=None) -> Sheet:
    """All sheets are read; `pick(sheet) -> bool` chooses the first one with a recognisable header."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises its own error types for every broken container
        raise UnreadableFile(f"{path.name} : classeur illisible ({e})") from None
    sheets = []
    for name in workbook.sheet_names:
        try:
            ws = workbook.get_sheet_by_name(name)
            cells = ws.to_python(skip_empty_area=False)
        except Exception as e:
            raise UnreadableFile(f"{path.name} : feuille « {name} » illisible ({e})") from None
        sheet = Sheet(rows=[list(r) for r in cells], lines=list(range(1, len(cells) + 1)), name=name)
        if pick is None or pick(sheet):
            return sheet
        sheets.append(sheet)
    if not sheets:
        raise UnreadableFile(f"{path.name} : le classeur ne contient aucune feuille")
    return sheets[0]


def read_geojson(path: Path) -> Sheet:
    """GeoJSON (or a JSON array of objects). Properties become columns (the first line is a
    synthetic header); point geometries are kept."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as e:
        raise UnreadableFile(f"{path.name} : GeoJSON illisible ({e})") from None
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        # A plain JSON array of objects (data·inclusion services export): objects become rows.
        data = {"features": [{"properties": item, "geometry": None} for item in data]}
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise UnreadableFile(f"{path.name} : ni FeatureCollection GeoJSON ni tableau JSON d'objets")
    keys: dict[str, None] = {}
    for f in features:
        keys.update(dict.fromkeys((f.get("properties") or {}).keys()))
    header = list(keys)
    rows, geometries = [header], [None]
    for f in features:
        props = f.get("properties") or {}
        rows.append([_json_cell(props.get(k)) for k in header])
        geom = f.get("geometry") or {}
        coords = geom.get("coordinates") if geom.get("type") == "Point" else None
        geometries.append((float(coords[0]), float(coords[1])) if coords and len(coords) >= 2 else None)
    # The user's "line" for a feature is its position in the collection (feature 1 = line 2).
    return Sheet(rows=rows, lines=list(range(1, len(rows) + 1)), geometries=geometries)


def _json_cell(value):
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def read_file(path: Path, *, pick=None) -> Sheet:
    """Dispatch on the suffix (and sniff the content when the suffix says nothing)."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(f"{path} : fichier introuvable")
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_spreadsheet(path, pick=pick)
    if suffix in GEOJSON_SUFFIXES:
        return read_geojson(path)
    head = path.read_bytes()[:8]
    if head.startswith(b"PK"):
        return read_spreadsheet(path, pick=pick)
    if suffix in CSV_SUFFIXES or not suffix:
        return read_csv(path)
    raise UnreadableFile(f"{path.name} : format « {suffix} » non pris en charge (CSV, XLSX, ODS, GeoJSON)")
