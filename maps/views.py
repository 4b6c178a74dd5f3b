"""/cartes/: the list of maps, and the map files themselves, served from storage.

A map file is served from settings.MAPS_DIR, where the job runner writes it (maps/tasks.py). A
request never renders one: a missing map is queued (one job however many ask) and the answer is a
202 page « Carte en préparation » that reloads itself; a stale one (older than MAPS_MAX_AGE) is
served as it is while a fresh one is queued. An HTML map carries its own Leaflet (maps/render_html.py):
its inline scripts are allowed by their hashes, so /cartes/ needs no 'unsafe-inline' script.
"""

import base64
import functools
import hashlib
import re
from datetime import datetime
from pathlib import Path

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from annuaire.jobs import defer_once
from annuaire.limits import heavy
from dispositifs.models import Theme
from territoires.models import Departement

from . import stored, tasks

RETRY_SECONDS = 5
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)  # not the data block (type=application/json)


@functools.lru_cache(maxsize=512)
def script_hashes(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    """The CSP sources of a stored map's inline scripts, read once per version of the file."""
    return tuple(f"'sha256-{base64.b64encode(hashlib.sha256(code).digest()).decode()}'"
                 for code in _INLINE_SCRIPT.findall(Path(path).read_bytes()))


def check_map_name(name: str) -> None:
    """Http404 for a name that is not a map (unknown département or theme included)."""
    match = stored.MAP_NAME.match(name)
    if not match:
        raise Http404("carte inconnue")
    if match["code"] and not Departement.objects.filter(code=match["code"]).exists():
        raise Http404("département inconnu")
    if match["theme"] and not Theme.objects.filter(slug=match["theme"]).exists():
        raise Http404("thème inconnu")


def queue_map(name: str) -> bool:
    return defer_once(tasks.render_map, lock=f"carte:{name}", name=name)


@heavy
def map_file(request, name: str):
    check_map_name(name)
    path = stored.maps_dir() / name
    if not path.exists():
        queue_map(name)
        response = render(request, "maps/en_preparation.html", {"name": name, "retry": RETRY_SECONDS}, status=202)
        response["Retry-After"] = str(RETRY_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    if not stored.is_fresh(path):
        queue_map(name)
    content_type = "text/html; charset=utf-8" if name.endswith(".html") else "image/png"
    response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 (FileResponse closes it)
    if name.endswith(".html"):
        info = path.stat()
        response._csp_update = {"script-src": list(script_hashes(str(path), info.st_mtime_ns, info.st_size))}
    response["Cache-Control"] = f"public, max-age={int(min(stored.max_age(), 3600))}"
    return response


def carte_departement(request):
    """The "Voir la carte" form of /cartes/ (no script: the pages' policy allows none inline)."""
    name = f"departement-{request.GET.get('code', '')}.html"
    check_map_name(name)
    return redirect("carte-fichier", name=name)


def cartes(request):
    """The maps page: France, every département, the theme variants, and the files already rendered."""
    rendered = []
    for path in stored.stored_maps():
        stat = path.stat()
        date = datetime.fromtimestamp(stat.st_mtime, tz=timezone.get_current_timezone())
        rendered.append({"name": path.name, "size_kb": round(stat.st_size / 1024), "date": date})
    return render(request, "maps/cartes.html", {
        "departements": Departement.objects.order_by("code").only("code", "nom"),
        "themes": Theme.objects.roots().order_by("position"),
        "rendered": rendered,
    })
