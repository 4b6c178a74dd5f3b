"""What an import refuses before reading: a file too big, a workbook that unzips to too much, a
sheet that claims more cells than any real list of actions (python-calamine allocates the declared
range up front; `A1:XFD1048576` aborts the whole process with a Rust allocation panic).

Checks stream through the zip members (never trusting the sizes written in the zip directory) and
stop at the first limit passed, so a refusal costs at most the limit itself.
"""

import re
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings

MB = 1024 * 1024
CHUNK = MB
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]{1,3})?(\d{1,7})?(?::([A-Z]{1,3})(\d{1,7}))?"')
_CELL_COLUMN = re.compile(rb'\br="([A-Z]{1,3})\d')
# The same without the word boundary: a superset of the references found 4x faster (a literal
# prefix), so the exact pattern only scans a chunk that might raise the highest column.
_CELL_COLUMN_ANY = re.compile(rb'r="([A-Z]{1,3})\d')
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,7})"')


class FileRefused(Exception):
    """The file exceeds a limit: one French sentence saying which, and what the user can do."""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_uncompressed_bytes: int
    max_ratio: int
    max_cells: int
    max_cell_chars: int

    @classmethod
    def from_settings(cls, **overrides) -> "Limits":
        limits = cls(max_file_bytes=settings.IMPORT_MAX_FILE_MB * MB,
                     max_uncompressed_bytes=settings.IMPORT_MAX_UNCOMPRESSED_MB * MB,
                     max_ratio=settings.IMPORT_MAX_COMPRESSION_RATIO, max_cells=settings.IMPORT_MAX_CELLS,
                     max_cell_chars=settings.IMPORT_MAX_CELL_CHARS)
        return replace(limits, **{k: v for k, v in overrides.items() if v is not None})


def column_number(letters: str) -> int:
    """"A" -> 1, "Z" -> 26, "AA" -> 27, "XFD" -> 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    """1 -> "A", 27 -> "AA" (the spreadsheet's own name of a column, for messages)."""
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _mb(n: int) -> str:
    if n < MB:
        return f"{max(n // 1024, 1)} Ko"
    return f"{n / MB:,.0f} Mo".replace(",", " ")


def _cells(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def check_file(path: Path, limits: Limits) -> None:
    """Raise FileRefused when `path` passes a limit; return quietly otherwise (including for a
    broken zip: the reader then says the workbook is unreadable)."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise FileRefused(f"{path.name} : fichier trop gros ({_mb(size)}, limite {_mb(limits.max_file_bytes)}) ; "
                          "découpez-le ou enregistrez-le en CSV sans les colonnes inutiles")
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with archive:
        _check_archive(path, archive, size, limits)
        if "content.xml" in archive.namelist():
            _check_ods(path, archive, limits)


def _check_archive(path: Path, archive: zipfile.ZipFile, size: int, limits: Limits) -> None:
    budget = min(limits.max_uncompressed_bytes, max(size, MB) * limits.max_ratio)
    declared = sum(info.file_size for info in archive.infolist())
    if declared > budget:
        raise _too_big(path, declared, size, limits)
    total = 0
    for info in archive.infolist():
        is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        max_row = max_col = max_number = rows = numbered_rows = 0
        try:
            with archive.open(info) as member:
                tail = b""
                first = True
                while chunk := member.read(CHUNK):
                    total += len(chunk)
                    if total > budget:  # the directory lied about the sizes: count what really comes out
                        raise _too_big(path, total, size, limits)
                    if not is_sheet:
                        continue
                    window = tail + chunk
                    if first:
                        _check_dimension(path, info.filename, window[:64 * 1024], limits)
                        first = False
                    cols = set(_CELL_COLUMN_ANY.findall(window))
                    if cols and max(column_number(c.decode()) for c in cols) > max_col:
                        cols = set(_CELL_COLUMN.findall(window))
                        if cols:
                            max_col = max(max_col, *(column_number(c.decode()) for c in cols))
                    # Rows: the highest r="" plus the rows without one (each follows the previous row).
                    numbered = _ROW_NUMBER.findall(chunk)
                    rows += chunk.count(b"<row") + chunk.count(b":row")
                    numbered_rows += len(numbered)
                    if numbered:
                        max_number = max(max_number, *map(int, numbered))
                    max_row = max(rows, max_number + rows - numbered_rows)
                    if max_row * max(max_col, 1) > limits.max_cells:
                        raise _too_many(path, info.filename, max_row, max_col, "contient des cellules jusqu'en",
                                        limits)
                    tail = chunk[-64:]
        except (zipfile.BadZipFile, EOFError, zlib.error) as e:
            # Python stops at the size the zip declares; a member that inflates past it fails its CRC.
            # Refused here: the Rust reader behind calamine might inflate it all before noticing.
            raise FileRefused(f"{path.name} : classeur endommagé ({info.filename} : {e}) ; "
                              "enregistrez-le de nouveau depuis le tableur") from None
        except (OSError, RuntimeError, NotImplementedError):
            return  # encrypted member or unknown compression: the reader says the workbook is unreadable


def _check_dimension(path: Path, member: str, head: bytes, limits: Limits) -> None:
    m = _DIMENSION.search(head)
    if not m:
        return
    first_col, first_row, last_col, last_row = (g.decode() if g else "" for g in m.groups())
    col = column_number(last_col or first_col or "A")
    row = int(last_row or first_row or 1)
    if row * col > limits.max_cells:
        raise _too_many(path, member, row, col, "déclare une plage allant jusqu'à", limits)


def _sheet_name(member: str) -> str:
    """"xl/worksheets/sheet1.xml" -> "sheet1"; an ODS table's name is given as it is."""
    return member.rsplit("/", 1)[-1].removesuffix(".xml")


def _too_many(path, member, rows, cols, verb, limits) -> FileRefused:
    return FileRefused(
        f"{path.name} : la feuille {_sheet_name(member)} {verb} {column_letters(cols)}{rows} "
        f"({_cells(rows)} lignes × {_cells(cols)} colonnes), au-delà de la limite de {_cells(limits.max_cells)} "
        "cellules ; supprimez les lignes et colonnes vides en fin de feuille, ou enregistrez-la en CSV")


def _too_big(path, uncompressed, size, limits) -> FileRefused:
    return FileRefused(
        f"{path.name} : le classeur se décompresse en plus de {_mb(uncompressed)} pour {_mb(max(size, 1))} "
        f"compressés (limites : {_mb(limits.max_uncompressed_bytes)} décompressés, {limits.max_ratio} fois la "
        "taille du fichier) ; enregistrez-le en CSV")


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _check_ods(path: Path, archive: zipfile.ZipFile, limits: Limits) -> None:
    """ODS has no dimension: a row or cell says how many times it repeats. Trailing empty repeats
    (LibreOffice writes a million) cost nothing; a repeated cell with a value is what calamine would
    expand, so the range is measured up to the last cell holding one."""
    from xml.etree.ElementTree import ParseError, iterparse

    try:
        with archive.open("content.xml") as content:
            row = max_row = max_col = 0
            name = ""
            for event, element in iterparse(content, events=("start", "end")):
                if event == "start":
                    if element.tag == f"{_TABLE}table":
                        name = element.get(f"{_TABLE}name", "")
                    continue
                if element.tag == f"{_TABLE}table-row":
                    repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                    column = last = 0
                    for cell in element:
                        column += int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
                        if cell.get(f"{_OFFICE}value-type") or len(cell):
                            last = column
                    row += repeat
                    if last:
                        max_row, max_col = row, max(max_col, last)
                        if max_row * max_col > limits.max_cells:
                            raise _too_many(path, f"« {name} »", max_row, max_col,
                                            "contient des cellules jusqu'en", limits)
                    element.clear()
                elif element.tag == f"{_TABLE}table":
                    row = max_row = max_col = 0
                    element.clear()
    except (ParseError, ValueError, zipfile.BadZipFile, OSError, EOFError, RuntimeError):
        return  # the reader says the workbook is unreadable
