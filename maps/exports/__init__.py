"""Exports of a territory's dispositifs: GeoJSON, CSV, XLSX, data·inclusion JSON.

One entry point, `export(scope, fmt, stream)`, serves the command and the HTTP API alike.
"""

from ..api.common import ATTRIBUTION, LICENCE, generated_at
from .datainclusion import write_datainclusion
from .geojson import write_geojson
from .scope import Scope, ScopeError, iter_dispositifs, make_scope
from .tabular import write_csv, write_xlsx

FORMATS = {
    # format: (extension, content type, binary)
    "geojson": ("geojson", "application/geo+json", False),
    "csv": ("csv", "text/csv; charset=utf-8", False),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True),
    "datainclusion": ("json", "application/json", False),
}

__all__ = ["FORMATS", "Scope", "ScopeError", "export", "filename", "make_scope", "metadata"]


def metadata(scope: Scope) -> dict:
    return {"titre": f"Dispositifs d'intégration — {scope.label}", "territoire": scope.slug,
            "attribution": ATTRIBUTION, "licence": LICENCE, "date": generated_at()}


def filename(scope: Scope, fmt: str) -> str:
    return f"dispositifs-{scope.slug}.{FORMATS[fmt][0]}"


def _counted(dispositifs, progress, step: int = 5000):
    n = 0
    for n, d in enumerate(dispositifs, 1):
        yield d
        if n % step == 0:
            progress(n)
    progress(n)


def export(scope: Scope, fmt: str, stream, *, base_url: str = "", progress=None) -> int:
    """Write the scope's dispositifs to `stream` (text for every format but xlsx); returns the
    number of records written (rows, features or services). `progress(n)` is called every 5,000
    dispositifs read, and at the end."""
    if fmt not in FORMATS:
        raise ValueError(f"format inconnu : « {fmt} » ({', '.join(FORMATS)})")
    dispositifs = iter_dispositifs(scope)
    if progress is not None:
        dispositifs = _counted(dispositifs, progress)
    meta = metadata(scope)
    if fmt == "csv":
        return write_csv(stream, dispositifs)
    if fmt == "xlsx":
        return write_xlsx(stream, dispositifs, metadata=meta)
    if fmt == "geojson":
        return write_geojson(stream, dispositifs, metadata=meta)
    return write_datainclusion(stream, dispositifs, metadata=meta, base_url=base_url)
