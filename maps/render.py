"""render_maps service: writes the national and département maps (HTML and PNG) into a folder."""

import time
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from dispositifs.models import Theme

from .render_html import departement_html, france_density_html
from .render_png import departement_png, france_png


def source_line() -> str:
    today = timezone.localdate().strftime("%d/%m/%Y")
    return (f"Source : Annuaire des dispositifs d'intégration, données publiées au {today} ; "
            f"contours IGN ADMIN EXPRESS, population INSEE (Licence Ouverte 2.0).")


@dataclass
class RenderResult:
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # "france.html" -> seconds

    def summary(self) -> str:
        return f"{len(self.files)} cartes écrites en {sum(self.timings.values()):.2f} s"


def _suffix(theme):
    return f"--{theme}" if theme else ""


def render_france(out: Path, *, theme=None, tiles=True, png=True, result: RenderResult):
    source = source_line()
    start = time.perf_counter()
    html, rows = france_density_html(theme=theme, tiles=tiles, source=source)
    path = out / f"france-densite{_suffix(theme)}.html"
    path.write_text(html, encoding="utf-8")
    result.timings["france.html"] = time.perf_counter() - start
    result.files.append(path)
    if png:
        start = time.perf_counter()
        title = "Nombre d'actions locales recensées par département"
        if theme:
            title += f"\n{Theme.objects.get(slug=theme).label}"
        path = out / f"france-densite{_suffix(theme)}.png"
        france_png(path, rows, title=title, source=source)
        result.timings["france.png"] = time.perf_counter() - start
        result.files.append(path)


def render_departement(out: Path, code: str, *, theme=None, tiles=True, png=True, result: RenderResult) -> bool:
    from . import geometry
    from .render_html import _theme_labels

    source = source_line()
    start = time.perf_counter()
    html, density = departement_html(code, theme=theme, tiles=tiles, source=source)
    if html is None:
        return False
    path = out / f"departement-{code}{_suffix(theme)}.html"
    path.write_text(html, encoding="utf-8")
    result.timings[f"departement-{code}.html"] = time.perf_counter() - start
    result.files.append(path)
    if png:
        start = time.perf_counter()
        lieux = geometry.lieux_of_departement(code, theme=theme)
        dep = density.departement
        title = f"{dep.nom} ({dep.code}) : actions locales par commune"
        if theme:
            title += f"\n{Theme.objects.get(slug=theme).label}"
        path = out / f"departement-{code}{_suffix(theme)}.png"
        departement_png(path, density, lieux, title=title, source=source, theme_labels=_theme_labels())
        result.timings[f"departement-{code}.png"] = time.perf_counter() - start
        result.files.append(path)
    return True


def render_maps(out, *, departements=(), theme=None, tiles=True, png=True, progress=None) -> RenderResult:
    """France, then each département asked for. Raises LookupError for an unknown département
    before writing anything."""
    from territoires.models import Departement

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    codes = [c.upper() for c in departements]
    known = set(Departement.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise LookupError(f"département inconnu : {', '.join(unknown)} (codes INSEE : 35, 2A, 974…)")
    result = RenderResult()
    render_france(out, theme=theme, tiles=tiles, png=png, result=result)
    if progress:
        progress(f"France : {result.timings['france.html']:.2f} s (HTML)")
    for code in codes:
        render_departement(out, code, theme=theme, tiles=tiles, png=png, result=result)
        if progress:
            progress(f"{code} : {result.timings[f'departement-{code}.html']:.2f} s (HTML)")
    return result
