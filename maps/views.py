"""/cartes/: the list of maps, and the map files themselves, rendered on demand.

A map file is served from settings.MAPS_DIR (default var/cartes, where `render_maps --out
var/cartes` writes) when it is younger than settings.MAPS_MAX_AGE seconds (default 3600);
otherwise it is rendered first (France < 1 s, a dense département < 3 s), written atomically
(temp file + rename) so two workers never serve half a file. The HTML maps load Leaflet from a CDN.
"""

import os
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone

from dispositifs.models import Theme
from territoires.models import Departement

from .render import RenderResult, render_departement, render_france

MAP_NAME = re.compile(r"^(?P<what>france-densite|departement-(?P<code>[0-9]{2,3}|2[AB]))"
                      r"(?:--(?P<theme>[a-z0-9-]+))?\.(?P<ext>html|png)$")


def maps_dir() -> Path:
    return Path(getattr(settings, "MAPS_DIR", Path(settings.BASE_DIR) / "var" / "cartes"))


def max_age() -> float:
    return float(getattr(settings, "MAPS_MAX_AGE", 3600))


def ensure_map(name: str) -> Path:
    """The path of a fresh map file, rendering it when missing or stale; Http404 for a name that
    is not a map (unknown département or theme included)."""
    match = MAP_NAME.match(name)
    if not match:
        raise Http404("carte inconnue")
    code, theme, ext = match["code"], match["theme"], match["ext"]
    if code and not Departement.objects.filter(code=code).exists():
        raise Http404("département inconnu")
    if theme and not Theme.objects.filter(slug=theme).exists():
        raise Http404("thème inconnu")
    path = maps_dir() / name
    if path.exists() and time.time() - path.stat().st_mtime < max_age():
        return path
    maps_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=maps_dir(), prefix=".rendu-") as tmp:
        tmp = Path(tmp)
        png = ext == "png"
        if code:
            render_departement(tmp, code, theme=theme, png=png, result=RenderResult())
        else:
            render_france(tmp, theme=theme, png=png, result=RenderResult())
        for produced in tmp.iterdir():
            os.replace(produced, maps_dir() / produced.name)
    return path


def map_file(request, name: str):
    path = ensure_map(name)
    content_type = "text/html; charset=utf-8" if name.endswith(".html") else "image/png"
    response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 (FileResponse closes it)
    response["Cache-Control"] = f"public, max-age={int(min(max_age(), 3600))}"
    return response


def cartes(request):
    """The maps page: France, every département, the theme variants, and the files already rendered."""
    rendered = []
    if maps_dir().is_dir():
        for path in sorted(maps_dir().iterdir()):
            if MAP_NAME.match(path.name):
                stat = path.stat()
                date = datetime.fromtimestamp(stat.st_mtime, tz=timezone.get_current_timezone())
                rendered.append({"name": path.name, "size_kb": round(stat.st_size / 1024), "date": date})
    return render(request, "maps/cartes.html", {
        "departements": Departement.objects.order_by("code").only("code", "nom"),
        "themes": Theme.objects.roots().order_by("position"),
        "rendered": rendered,
    })
