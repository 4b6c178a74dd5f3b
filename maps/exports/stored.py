"""National exports computed ahead by the job runner and served as stored files.

A national export is ~200,000 rows: 3-4 s of PostgreSQL for CSV/GeoJSON, minutes of Python for
XLSX and data·inclusion. No request does that work (a request does at most ~2 s): the job
(`maps/exports/tasks.py`, every 15 minutes and after an import) rewrites the files whose data
changed, and the API serves what is stored, saying its date (`X-Export-Date`). Files live in
settings.EXPORTS_DIR and are replaced atomically (temp file + rename), so a reader never sees half
a file; each has a JSON sidecar with its count, date and the data fingerprint it was made from.
"""

import json
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings

from ..stored import data_stamp
from . import FORMATS, STREAMED, export, filename, make_scope, metadata


def exports_dir() -> Path:
    return Path(getattr(settings, "EXPORTS_DIR", Path(settings.BASE_DIR) / "var" / "exports"))


def max_age() -> float:
    """Past this age (seconds) a stored export is redone even if the data fingerprint did not change."""
    return float(getattr(settings, "EXPORTS_MAX_AGE", 24 * 3600))


def parallel() -> int:
    """Connections a national CSV/GeoJSON is split over (maps/exports/copy.py): the machine's cores."""
    return int(getattr(settings, "EXPORTS_PARALLEL", 0) or os.cpu_count() or 1)


def national_path(fmt: str) -> Path:
    return exports_dir() / filename(make_scope(all=True), fmt)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def stored_info(fmt: str) -> dict | None:
    """{"path", "count", "date", "stamp", "seconds"} of the stored national export, or None."""
    path = national_path(fmt)
    try:
        info = json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if not path.is_file():
        return None
    return {**info, "path": path}


def is_fresh(fmt: str, *, stamp: str | None = None) -> bool:
    info = stored_info(fmt)
    if info is None:
        return False
    age = time.time() - info["path"].stat().st_mtime
    return age < max_age() and (stamp is None or info.get("stamp") == stamp)


def write_national(fmt: str) -> dict:
    """Write the national export in `fmt` to EXPORTS_DIR (atomically); returns its info."""
    path = national_path(fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    scope = make_scope(all=True)
    stamp = data_stamp()
    start = time.perf_counter()
    meta = metadata(scope)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        if FORMATS[fmt][2] or fmt in STREAMED:  # COPY writes bytes
            with os.fdopen(fd, "wb") as stream:
                count = export(scope, fmt, stream, parallel=parallel())
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
                count = export(scope, fmt, stream)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    info = {"count": count, "date": meta["date"], "stamp": stamp, "seconds": round(time.perf_counter() - start, 2)}
    _sidecar(path).write_text(json.dumps(info), encoding="utf-8")
    return {**info, "path": path}


def refresh_national(*, formats=None, force: bool = False) -> list[str]:
    """Redo each national export whose data changed or that aged; returns the formats redone."""
    stamp = data_stamp()
    redone = []
    for fmt in formats or FORMATS:
        if force or not is_fresh(fmt, stamp=stamp):
            write_national(fmt)
            redone.append(fmt)
    return redone
