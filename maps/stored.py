"""Maps and couverture reports computed ahead by the job runner and served as files.

A request never renders a map nor runs a national gap analysis: it serves the stored file, and when
the file is missing or stale it queues a job (maps/tasks.py) and says so (202 « en préparation »).
Files live in settings.MAPS_DIR and are replaced atomically (temp file + rename), so a reader never
sees half a file. A file is stale when older than settings.MAPS_MAX_AGE (default 3600 s) or when the
published data changed since it was written (`data_stamp`, recorded beside the files).
"""

import gzip
import json
import os
import re
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

MAP_NAME = re.compile(r"^(?P<what>france-densite|departement-(?P<code>[0-9]{2,3}|2[AB]))"
                      r"(?:--(?P<theme>[a-z0-9-]+))?\.(?P<ext>html|png)$")
# National couverture only for these distances: each is a 10-20 s analysis, computed once and stored.
NATIONAL_KM = (5.0, 10.0, 20.0, 30.0, 50.0)
# What the periodic job keeps ready even before anyone asks (the département page links to it).
DEFAULT_COUVERTURE_THEME = "lecture-ecriture-calcul--maitriser-le-francais"
STAMP_FILE = ".donnees"


def maps_dir() -> Path:
    return Path(settings.MAPS_DIR)


def couverture_dir() -> Path:
    return maps_dir() / "couverture"


def max_age() -> float:
    return float(getattr(settings, "MAPS_MAX_AGE", 3600))


def data_stamp() -> str:
    """A cheap fingerprint of the published data: changes when a dispositif or lieu is written or deleted,
    through the ORM or not: the search's generation (every trigger run on the dispositifs, their lieux,
    themes and coverage adds one, docs/ARCHITECTURE.md "Side tables"), beside the counts and newest
    `updated_at` it was before."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) || '-' || coalesce(max(updated_at)::text, '') "
                       "FROM dispositifs_dispositif), (SELECT count(*) || '-' || coalesce(max(id), 0) "
                       "FROM dispositifs_lieu), "
                       "(SELECT coalesce(max(id), 0)::text FROM dispositifs_recherche_generation)")
        return "/".join(cursor.fetchone())


def recorded_stamp() -> str | None:
    try:
        return (maps_dir() / STAMP_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def record_stamp(stamp: str) -> None:
    maps_dir().mkdir(parents=True, exist_ok=True)
    write_atomically(maps_dir() / STAMP_FILE, stamp.encode())


def is_fresh(path: Path, *, stamp: str | None = None) -> bool:
    """True when the file exists, is younger than max_age() and (when given) the data did not change."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    return age < max_age() and (stamp is None or stamp == recorded_stamp())


def write_atomically(path: Path, data: bytes, *, gzipped: bool = False) -> None:
    """Write `path` (and `path.gz` when asked) so that a reader sees the old file or the new one."""
    if gzipped:  # compressed once here: GZipMiddleware would spend seconds per request on 22 MB
        write_atomically(path.with_name(path.name + ".gz"), gzip.compress(data, compresslevel=6, mtime=0))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; the web workers may run as another user than the job runner
    os.replace(tmp, path)


# --- maps -----------------------------------------------------------------------------------------

def render_map_file(name: str) -> list[str]:
    """Render one map into MAPS_DIR (the job's body); a PNG comes with its HTML twin."""
    from .render import RenderResult, render_departement, render_france

    match = MAP_NAME.match(name)
    if not match:
        raise ValueError(f"nom de carte invalide : {name!r}")
    maps_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=maps_dir(), prefix=".rendu-") as tmp:
        tmp = Path(tmp)
        png = match["ext"] == "png"
        if match["code"]:
            render_departement(tmp, match["code"], theme=match["theme"], png=png, result=RenderResult())
        else:
            render_france(tmp, theme=match["theme"], png=png, result=RenderResult())
        produced = sorted(p.name for p in tmp.iterdir())
        for file_name in produced:  # the PNG comes with its HTML twin: keep both
            os.replace(tmp / file_name, maps_dir() / file_name)
    return produced


def stored_maps() -> list[Path]:
    if not maps_dir().is_dir():
        return []
    return sorted(p for p in maps_dir().iterdir() if MAP_NAME.match(p.name))


# --- couverture -------------------------------------------------------------------------------------

COUVERTURE_FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8",
                      "geojson": "application/geo+json"}


def couverture_name(*, theme: str, km: float, departement: str | None, fmt: str) -> str:
    return f"couverture-{theme}-{departement or 'france'}-{km:g}km.{fmt}"


def couverture_paths(*, theme: str, km: float, departement: str | None) -> dict[str, Path]:
    return {fmt: couverture_dir() / couverture_name(theme=theme, km=km, departement=departement, fmt=fmt)
            for fmt in COUVERTURE_FORMATS}


def store_couverture(report) -> dict[str, Path]:
    """Write the report's JSON, CSV and GeoJSON files (the three formats of the API) at once, each
    with its gzipped twin."""
    import io

    from .api.common import ATTRIBUTION, generated_at
    from .gaps import gap_geojson, write_gap_csv

    paths = couverture_paths(theme=report.theme, km=report.km, departement=report.departement)
    head = {"date": generated_at(), "attribution": ATTRIBUTION}
    write_atomically(paths["json"], json.dumps({**head, **report.as_dict()}, ensure_ascii=False).encode(),
                     gzipped=True)
    stream = io.StringIO()
    stream.write("\ufeff")
    write_gap_csv(stream, report)
    write_atomically(paths["csv"], stream.getvalue().encode("utf-8"), gzipped=True)
    data = gap_geojson(report)
    data["metadata"].update(attribution=ATTRIBUTION, date=head["date"])
    write_atomically(paths["geojson"], json.dumps(data, ensure_ascii=False).encode(), gzipped=True)
    return paths


def compute_couverture(*, theme: str, km: float, departement: str | None) -> dict[str, Path]:
    from .gaps import gap_report

    return store_couverture(gap_report(theme=theme, km=km, departement=departement))


def stored_couvertures() -> list[dict]:
    """The parameters of every stored report (to refresh them)."""
    pattern = re.compile(r"^couverture-(?P<theme>[a-z0-9-]+?)-(?P<dep>france|[0-9]{2,3}|2[AB])-"
                         r"(?P<km>[0-9.]+)km\.json$")
    found = []
    if couverture_dir().is_dir():
        for path in sorted(couverture_dir().iterdir()):
            match = pattern.match(path.name)
            if match:
                found.append({"theme": match["theme"], "km": float(match["km"]),
                              "departement": None if match["dep"] == "france" else match["dep"]})
    return found
