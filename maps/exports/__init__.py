"""Exports of a territory's dispositifs: GeoJSON, CSV, XLSX, data·inclusion JSON.

One entry point, `export(scope, fmt, stream)`, serves the command, the stored national files and
the HTTP API alike. CSV and GeoJSON are written by PostgreSQL (`sql.py`, COPY, disk speed, flat
memory; `chunks()` gives their bytes to stream); XLSX and data·inclusion go through the Python rows
(`rows.py`, `scope.iter_dispositifs`), which stay the reference the COPY path is tested against.
"""

import codecs
import io

from django.utils import translation

from ..api.common import ATTRIBUTION, LICENCE, generated_at
from . import sql
from .datainclusion import write_datainclusion
from .scope import Scope, ScopeError, iter_dispositifs, make_scope
from .tabular import write_xlsx

FORMATS = {
    # format: (extension, content type, binary)
    "geojson": ("geojson", "application/geo+json", False),
    "csv": ("csv", "text/csv; charset=utf-8", False),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True),
    "datainclusion": ("json", "application/json", False),
}
STREAMED = ("csv", "geojson")  # written by PostgreSQL COPY, as bytes

__all__ = ["FORMATS", "STREAMED", "Scope", "ScopeError", "chunks", "export", "filename", "make_scope", "metadata"]


def metadata(scope: Scope) -> dict:
    return {"titre": f"Dispositifs d'intégration — {scope.label}", "territoire": scope.slug,
            "attribution": ATTRIBUTION, "licence": LICENCE, "date": generated_at()}


def filename(scope: Scope, fmt: str) -> str:
    return f"dispositifs-{scope.slug}.{FORMATS[fmt][0]}"


def chunks(scope: Scope, fmt: str, counter: list | None = None, *, meta: dict | None = None, parallel: int = 1):
    """The CSV or GeoJSON export as an iterator of bytes blocks (COPY); counter[0] ends as the
    number of rows (CSV) or features (GeoJSON) once the iterator is exhausted. `parallel` > 1
    splits it over that many connections (copy.py; serial inside a caller's transaction)."""
    if fmt == "csv":
        return _in_french(sql.csv_chunks(scope, counter, parallel=parallel))
    if fmt == "geojson":
        return _in_french(sql.geojson_chunks(scope, meta or metadata(scope), counter, parallel=parallel))
    raise ValueError(f"format non diffusé en flux : « {fmt} » ({', '.join(STREAMED)})")


def _in_french(blocks):
    """A file's labels (publics, statuses, levels…) are the importer's, in French, whatever the language
    of the request that asked for it: an export must read back as `unchanged`."""
    with translation.override("fr"):
        yield from blocks


def _counted(dispositifs, progress, step: int = 5000):
    n = 0
    for n, d in enumerate(dispositifs, 1):
        yield d
        if n % step == 0:
            progress(n)
    progress(n)


def _write_chunks(stream, blocks, counter: list, progress) -> int:
    """Write COPY's bytes to a binary stream, or decoded to a text one (a block may end inside a
    UTF-8 character: an incremental decoder keeps the remainder for the next)."""
    text = isinstance(stream, io.TextIOBase)
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = step = 0
    for block in blocks:
        stream.write(decoder.decode(block) if text else block)
        if progress is not None:
            lines += block.count(b"\n")  # rows so far (a CSV cell may hold a line break: an estimate)
            if lines // 5000 > step:
                step = lines // 5000
                progress(step * 5000)
    if text:
        stream.write(decoder.decode(b"", final=True))
    if progress is not None:
        progress(counter[0])
    return counter[0]


def export(scope: Scope, fmt: str, stream, *, base_url: str = "", progress=None, parallel: int = 1) -> int:
    """Write the scope's dispositifs to `stream` (bytes or text for CSV and GeoJSON, text for
    data·inclusion, bytes for XLSX); returns the number of records written (rows, features or
    services). `progress(n)` is called every 5,000 records (dispositifs for XLSX and
    data·inclusion), and at the end."""
    if fmt not in FORMATS:
        raise ValueError(f"format inconnu : « {fmt} » ({', '.join(FORMATS)})")
    with translation.override("fr"):  # see _in_french
        return _export(scope, fmt, stream, base_url=base_url, progress=progress, parallel=parallel)


def _export(scope: Scope, fmt: str, stream, *, base_url: str, progress, parallel: int) -> int:
    meta = metadata(scope)
    if fmt in STREAMED:
        counter = [0]
        return _write_chunks(stream, chunks(scope, fmt, counter, meta=meta, parallel=parallel), counter, progress)
    dispositifs = iter_dispositifs(scope)
    if progress is not None:
        dispositifs = _counted(dispositifs, progress)
    if fmt == "xlsx":
        return write_xlsx(stream, dispositifs, metadata=meta)
    return write_datainclusion(stream, dispositifs, metadata=meta, base_url=base_url)
