"""Readers: a file as people make it (CSV in any common encoding and separator, XLSX, ODS, GeoJSON)
becomes raw rows, each with the line number the user sees in their spreadsheet.

Readers do not know what the columns mean; header detection lives in `columns.py`. They never hold
a whole CSV: the first rows are read for the header, the rest streams (`Sheet.rest`) into the
pipeline. A line that cannot be read (NUL byte, undecodable bytes, a cell over the size limit) is
one rejected row with its line number, never a rejected file. XLSX and ODS are read with
python-calamine (about 25x faster than openpyxl on 50k rows) after `limits.check_file` has made
sure their declared and real sizes are sane.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .limits import FileRefused, Limits, check_file, column_letters
from .report import ERROR, WARNING, Problem

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
GEOJSON_SUFFIXES = {".geojson", ".json"}
SNIFF_BYTES = 64 * 1024
# Rows read before the pipeline starts: the header search (columns.HEADER_SCAN_ROWS) and the sample
# of values columns.py reads to choose between two candidate columns (5,000 rows); a few MB at most.
HEAD_ROWS = 5_100
# What maps/exports/rows.py prefixes with "'" (formula injection guard), undone on the way back in.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class UnreadableFile(Exception):
    """The file cannot be read at all (exit status 2): the message says why, for a person."""


__all__ = ["FileRefused", "Limits", "Sheet", "UnreadableFile", "cell_text", "read_file"]


@dataclass
class Sheet:
    """Raw cells of one table. `lines[i]` is the spreadsheet line number of `rows[i]` (1-based) and
    `problems[i]` what went wrong reading it (a row with an error there is rejected as it stands).

    `rows` holds what has been read; `rest` yields the following rows as (line, cells, problems)
    when the reader streams (CSV, XLSX, ODS). `read_file(..., stream=False)` reads everything."""

    rows: list[list]
    lines: list[int]
    name: str = ""
    encoding: str = ""
    delimiter: str = ""
    geometries: list = field(default_factory=list)  # GeoJSON only: (lon, lat) or None per row
    problems: dict = field(default_factory=dict)  # index in rows -> tuple of Problem
    rest: Iterator | None = None

    def buffer(self, count: int | None = None) -> None:
        """Move up to `count` more rows (all when None) from `rest` into `rows`."""
        if self.rest is None:
            return
        for line, cells, problems in self.rest:
            if problems:
                self.problems[len(self.rows)] = problems
            self.rows.append(cells)
            self.lines.append(line)
            if count is not None and len(self.rows) >= count:
                return
        self.rest = None

    def close(self) -> None:
        if self.rest is not None and hasattr(self.rest, "close"):
            self.rest.close()
        self.rest = None


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


LEGACY = "cp1252"  # what a French spreadsheet saved "CSV (séparateur : point-virgule)" by old Excel is in


def _base_encoding(head: bytes) -> str:
    """UTF-8 unless most non-ASCII lines of the first 64 KB are not UTF-8 (then Windows-1252): one odd
    line, even near the top, does not decide for the whole file. A line cut at the end is skipped."""
    utf8 = legacy = 0
    for raw in head.split(b"\n")[:-1] if b"\n" in head else [head]:
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            legacy += 1
    return "utf-8" if utf8 >= legacy else LEGACY


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


class _Lines:
    """Physical lines of a CSV decoded one by one, so one odd line never spoils the file: UTF-8 first,
    then the file's one-byte encoding. Problems are kept by physical line number until the record
    that holds them asks for them."""

    def __init__(self, stream, base: str):
        self.stream, self.base, self.number = stream, base, 0
        self.legacy = LEGACY
        self.problems: dict[int, list[tuple]] = {}

    def _note(self, *problem) -> None:
        self.problems.setdefault(self.number, []).append(problem)

    def __iter__(self):
        for raw in self.stream:
            self.number += 1
            if b"\x00" in raw:
                self._note("", "la ligne contient un caractère nul (octet 0x00) : ligne ignorée", ERROR,
                           "caractere-nul")
                raw = raw.replace(b"\x00", b"")
            try:
                text = raw.decode("utf-8")
                if self.base not in ("utf-8", "utf-8-sig") and not raw.isascii():
                    self._note(text[:60], "encodage mixte : ligne en UTF-8 dans un fichier en Windows-1252, "
                                          "lue en UTF-8", WARNING, "encodage-mixte")
            except UnicodeDecodeError:
                try:
                    text = raw.decode(self.legacy)
                except UnicodeDecodeError as e:
                    self._note(raw[max(e.start - 20, 0):e.end + 20].decode(self.legacy, errors="replace"),
                               "octets illisibles (ni UTF-8 ni Windows-1252) : ligne ignorée", ERROR,
                               "octets-illisibles")
                    text = raw.decode(self.legacy, errors="replace")
                else:
                    if self.base in ("utf-8", "utf-8-sig"):
                        self._note(text[:60], "encodage mixte : ligne lue en Windows-1252 dans un fichier "
                                              "UTF-8 ; vérifiez ses accents", WARNING, "encodage-mixte")
            yield text

    def take(self, first: int, last: int, line: int) -> tuple:
        """The problems of physical lines first..last, filed under the record's line."""
        if not self.problems:
            return ()
        found = []
        for n in range(first, last + 1):
            for value, reason, severity, cause in self.problems.pop(n, ()):
                found.append(Problem(line, "", value, reason, severity, cause))
        return tuple(found)


def read_csv(path: Path, *, limits: Limits | None = None) -> Sheet:
    """Stream a CSV: the first rows are read (header detection), the rest comes from `Sheet.rest`
    as it is consumed, so memory does not grow with the file."""
    limits = limits or Limits.from_settings()
    stream = open(path, "rb")  # noqa: SIM115 -- closed by the row generator when it is done
    head = stream.read(SNIFF_BYTES)
    if not head.strip():
        stream.close()
        raise UnreadableFile(f"{path.name} : fichier vide")
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and head.count(b"\x00") > max(len(head) // 100, 8):
        stream.close()
        raise UnreadableFile(f"{path.name} : ce n'est pas un fichier texte (CSV) lisible")
    if utf16:
        encoding, bom = "utf-16", 0
        sample = head.decode("utf-16", errors="replace")
    elif head.startswith(b"\xef\xbb\xbf"):
        encoding, bom = "utf-8-sig", 3
        sample = head[3:].decode("utf-8", errors="replace")
    else:
        encoding, bom = _base_encoding(head), 0
        sample = head.decode(encoding, errors="replace")
    delimiter = detect_delimiter(sample)
    stream.seek(bom)
    if utf16:
        lines = _Lines((), encoding)
        text_lines = io.TextIOWrapper(stream, encoding="utf-16", errors="replace", newline="")
    else:
        lines = _Lines(stream, encoding)
        text_lines = iter(lines)
    csv.field_size_limit(limits.max_cell_chars)  # process-wide; a longer cell is a csv.Error, per record
    records = _records(path, stream, csv.reader(text_lines, delimiter=delimiter), lines, limits)
    sheet = Sheet(rows=[], lines=[], encoding=encoding, delimiter=delimiter, rest=records)
    sheet.buffer(HEAD_ROWS)
    return sheet


def _records(path, stream, reader, lines: _Lines, limits: Limits):
    """(line, cells, problems) per CSV record; a record spanning several physical lines is one
    spreadsheet row, numbered as the spreadsheet shows it."""
    line = last = 0
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                line += 1
                first, last = last + 1, reader.line_num
                reason = (f"une cellule dépasse {limits.max_cell_chars:,} caractères".replace(",", " ")
                          if "field larger" in str(e) else f"ligne CSV illisible ({e})")
                yield line, [], (*lines.take(first, last, line),
                                 Problem(line, "", "", reason + " : ligne ignorée", ERROR, "ligne-illisible"))
                continue
            line += 1
            first, last = last + 1, reader.line_num
            yield line, [guard_off(c.strip()) for c in row], lines.take(first, last, line)
    finally:
        stream.close()


def guard_off(text: str) -> str:
    """Drop the apostrophe our exports put before a cell a spreadsheet would run as a formula
    (`'=cmd|…`), so an export reads back as the same value."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


def read_spreadsheet(path: Path, *, pick=None, limits: Limits | None = None) -> Sheet:
    """Sheets are opened in order; `pick(sheet) -> bool` chooses the first whose first rows hold a
    recognisable header. The chosen sheet's other rows stream from `rest`."""
    from python_calamine import CalamineWorkbook

    limits = limits or Limits.from_settings()
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises its own error types for every broken container
        raise UnreadableFile(f"{path.name} : classeur illisible ({e})") from None
    first = None
    for name in workbook.sheet_names:
        try:
            ws = workbook.get_sheet_by_name(name)
            rows = ws.iter_rows()
        except Exception as e:
            raise UnreadableFile(f"{path.name} : feuille « {name} » illisible ({e})") from None
        sheet = Sheet(rows=[], lines=[], name=name, rest=_sheet_rows(rows, ws.start[1] if ws.start else 0, limits))
        sheet.buffer(HEAD_ROWS)
        if pick is None or pick(sheet):
            return sheet
        first = first or sheet
    if first is None:
        raise UnreadableFile(f"{path.name} : le classeur ne contient aucune feuille")
    return first


def _sheet_rows(rows, skipped_columns: int, limits: Limits):
    """calamine yields rows from line 1 but columns from the first used one: put the skipped ones
    back so column letters in messages are the spreadsheet's."""
    pad = [""] * skipped_columns
    for index, cells in enumerate(rows):
        line = index + 1
        problems = ()
        for col, value in enumerate(cells):
            if value.__class__ is str:
                if len(value) > limits.max_cell_chars:
                    problems = (Problem(line, column_letters(col + skipped_columns + 1), value[:60] + "…",
                                        f"cellule de {len(value):,} caractères, au-delà de la limite de "
                                        f"{limits.max_cell_chars:,} : ligne ignorée".replace(",", " "), ERROR,
                                        "cellule-trop-longue"),)
                    cells = []
                    break
                if value and value[0] == "'":
                    cells[col] = guard_off(value)
        yield line, (pad + cells) if pad and cells else cells, problems


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


def read_file(path: Path, *, pick=None, limits: Limits | None = None, stream: bool = False,
              check: bool = True) -> Sheet:
    """Check the limits, then dispatch on the suffix (and sniff the content when the suffix says
    nothing). With `stream=False` every row is in `rows`; with `stream=True` the caller consumes
    `rest` (and closes the sheet). `check=False` when the caller has run `limits.check_file`."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(f"{path} : fichier introuvable")
    limits = limits or Limits.from_settings()
    if check:
        check_file(path, limits)
    suffix = path.suffix.lower()
    with open(path, "rb") as f:
        head = f.read(8)
    if suffix in SPREADSHEET_SUFFIXES or (head.startswith(b"PK") and suffix not in GEOJSON_SUFFIXES):
        sheet = read_spreadsheet(path, pick=pick, limits=limits)
    elif suffix in GEOJSON_SUFFIXES:
        sheet = read_geojson(path)
    elif suffix in CSV_SUFFIXES or not suffix:
        sheet = read_csv(path, limits=limits)
    else:
        raise UnreadableFile(f"{path.name} : format « {suffix} » non pris en charge (CSV, XLSX, ODS, GeoJSON)")
    if not stream:
        sheet.buffer()
    return sheet
