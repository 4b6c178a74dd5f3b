"""Folium (Leaflet) maps: the national choropleth, the map of one département, the gap map.

No data ever goes through a template (issue #10): folium/branca render their elements as Jinja
templates, so folium only sets up the map (Leaflet, tiles, frame). Every value shown — names,
titles, labels, counts, outlines — is put after rendering into one `<script type="application/json"
id="annuaire-carte">` block (escaped by Django's json_script), which `maps/static/maps/carte.js`
(embedded, so a downloaded file works on its own) reads and writes into the page with textContent.

Leaflet and the markercluster plugin are the project's vendored copies (annuaire/static/vendor),
embedded in each file instead of folium's CDN links: a downloaded map works offline, and the site
serves no third-party script (maps/views.py allows the file's inline scripts by their hashes).
Background tiles come from settings.TILES_URL, which can be turned off.
"""

import base64
import functools
import re
from pathlib import Path

import folium
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.html import json_script

from dispositifs.models import Theme

from . import geometry
from .stats import densite_communes, densite_departements
from .style import (
    COMMUNE_BREAKS,
    NO_DATA,
    OTHER_THEME,
    PALETTE,
    SEED_BREAKS,
    class_labels,
    quantile_breaks,
    theme_colours,
)

TILES_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
OUTRE_MER_NOMS = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "976": "Mayotte"}
SCRIPT = Path(__file__).resolve().parent / "static" / "maps" / "carte.js"
DATA_ID = "annuaire-carte"

_CSS = """<style>
.annuaire-legend, .annuaire-title, .annuaire-insets, .annuaire-panel {background: rgba(255,255,255,.92);
  padding: 6px 8px; border-radius: 4px; box-shadow: 0 0 6px rgba(0,0,0,.3); font: 13px/1.35 sans-serif;}
.annuaire-legend i {display: inline-block; width: 14px; height: 12px; margin-right: 6px; border: 1px solid #888;}
.annuaire-source {margin-top: 4px; font-size: 11px; color: #444; max-width: 220px;}
.annuaire-panel {max-width: 320px; max-height: 40vh; overflow: auto;}
.annuaire-dot {width: 12px; height: 12px; border-radius: 6px; border: 1.5px solid #fff; box-shadow: 0 0 2px #000;}
</style>"""


VENDOR_CSS = ["vendor/leaflet/leaflet.css", "vendor/leaflet.markercluster/MarkerCluster.css",
              "vendor/leaflet.markercluster/MarkerCluster.Default.css"]
VENDOR_JS = ["vendor/leaflet/leaflet.js", "vendor/leaflet.markercluster/leaflet.markercluster.js"]
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$|/\*# sourceMappingURL=.*?\*/", re.M)


_CSS_IMAGE = re.compile(r"url\((images/[\w.-]+\.png)\)")


@functools.cache
def _vendor_head() -> str:
    """Leaflet and markercluster, CSS then JS, as inline blocks (our own static files, not data); the
    images the CSS points to become data: URLs, so the file needs nothing beside it."""
    def text(name: str) -> str:
        path = Path(finders.find(name))
        code = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
        def inline(match: re.Match) -> str:
            return f"url(data:image/png;base64,{base64.b64encode((path.parent / match[1]).read_bytes()).decode()})"

        return _CSS_IMAGE.sub(inline, code)

    return ("".join(f"<style>\n{text(n)}</style>\n" for n in VENDOR_CSS)
            + "".join(f"<script>\n{text(n)}</script>\n" for n in VENDOR_JS))


def _new_map(*, location, zoom, tiles: bool):
    url = getattr(settings, "TILES_URL", "") if tiles else ""
    # maxZoom on the map itself: without tiles nothing else sets it, and markercluster needs it.
    m = folium.Map(location=location, zoom_start=zoom, tiles=None, prefer_canvas=True, control_scale=True,
                   maxZoom=18)
    m.default_js, m.default_css = [], []  # no CDN: _page embeds the vendored Leaflet
    if url:
        folium.TileLayer(url, attr=TILES_ATTRIBUTION, name="Fond de carte", opacity=0.6).add_to(m)
    return m


def _page(m, data: dict) -> str:
    """The map page: folium's set-up, then the data block and the script that draws it (appended to
    the rendered text, so no template engine ever reads them)."""
    page = m.get_root().render()
    data = {"map": m.get_name(), "zoom": _zoom_titles(), **data}
    tail = f"{json_script(data, DATA_ID)}\n<script>\n{SCRIPT.read_text(encoding='utf-8')}</script>\n"
    head, sep, rest = page.rpartition("</html>")
    page = head + tail + sep + rest if sep else page + tail
    return page.replace("</head>", _vendor_head() + _CSS + "\n</head>", 1)


def _zoom_titles() -> dict[str, list[str]]:
    """The zoom buttons' titles in each interface language (the pages' own msgids): a stored map is one file
    for everybody, so carte.js picks the reader's browser language, else French."""
    from django.utils import translation

    titles = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            titles[code] = [translation.gettext("Zoomer"), translation.gettext("Dézoomer")]
    return titles


def _theme_labels() -> dict[str, str]:
    return dict(Theme.objects.roots().order_by("position").values_list("slug", "label"))


def france_density_html(*, theme: str | None = None, tiles: bool = True, source: str) -> tuple[str, list]:
    """The national choropleth as an HTML string, and the density rows it shows."""
    rows = densite_departements(theme=theme)
    shapes = geometry.departements_geojson()
    labels = _theme_labels()
    features = []
    for r in rows:
        if r.code not in shapes:
            continue
        features.append({"type": "Feature", "geometry": shapes[r.code], "properties": {
            "code": r.code, "nom": r.nom, "actions": r.actions, "pour_100000": r.pour_100000,
            "population": r.population, "t": r.themes}})
    per_100k = quantile_breaks([r.pour_100000 for r in rows])
    indicators = [
        {"key": "actions", "label": "Actions locales", "breaks": SEED_BREAKS, "labels": class_labels(SEED_BREAKS),
         "legend": "Actions locales recensées"},
        {"key": "pour_100000", "label": "Pour 100 000 habitants", "breaks": per_100k,
         "labels": class_labels(per_100k), "legend": "Actions locales pour 100 000 habitants"},
    ]
    if theme is None:
        present = {slug for r in rows for slug in r.themes}
        for slug, label in labels.items():
            if slug in present:
                indicators.append({"key": f"t:{slug}", "label": f"Thème : {label}", "breaks": SEED_BREAKS,
                                   "labels": class_labels(SEED_BREAKS), "legend": f"Actions locales — {label}"})
    by_code = {r.code: r for r in rows}
    insets = []
    for code in geometry.OUTRE_MER:
        if code in shapes and code in by_code:
            insets.append({"nom": OUTRE_MER_NOMS.get(code, by_code[code].nom), "actions": by_code[code].actions,
                           "bounds": _bounds(shapes[code])})
    home = [[41.3, -5.2], [51.1, 9.6]]
    m = _new_map(location=[46.6, 2.4], zoom=6, tiles=tiles)
    m.fit_bounds(home)
    title = "Nombre d'actions locales recensées par département"
    if theme:
        title += f" — {dict(Theme.objects.values_list('slug', 'label')).get(theme, theme)}"
    return _page(m, {
        "title": title, "indicators": indicators, "palette": PALETTE, "nodata": NO_DATA, "source": source,
        "polygons": {"type": "FeatureCollection", "features": features}, "polygonsName": "Départements",
        "tooltip": [["actions", "Actions locales"], ["pour_100000", "Pour 100 000 hab."],
                    ["population", "Population"]],
        "insets": insets, "home": home,
    }), rows


def _bounds(geom: dict) -> list[list[float]]:
    xs, ys = [], []

    def walk(coords):
        if isinstance(coords[0], (int, float)):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    walk(geom["coordinates"])
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def departement_html(code: str, *, theme: str | None = None, tiles: bool = True, source: str):
    """The map of one département as an HTML string (None when the département is unknown), and
    its density: communes shaded by the actions located there, lieux clustered and coloured by
    main theme, the contour, and the list of actions covering the whole département."""
    density = densite_communes(code, theme=theme)
    if density is None:
        return None, None
    outline, bounds = geometry.departement_outline(code)
    shapes = geometry.communes_geometries(code)
    features = [{"type": "Feature", "geometry": shapes[c.code], "properties": {
        "code": c.code, "nom": c.nom, "sur_place": c.sur_place, "actions": c.actions, "lieux": c.lieux,
        "population": c.population}} for c in density.communes if c.code in shapes]
    labels = _theme_labels()
    colours = theme_colours(list(labels))
    lieux = geometry.lieux_of_departement(code, theme=theme)
    data = [[lat, lon, colours.get(root, OTHER_THEME), pk, (title or "")[:80]] for lat, lon, root, pk, title in lieux]
    dep = density.departement
    m = _new_map(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2], zoom=9,
                 tiles=tiles)
    m.fit_bounds(bounds)
    total, actions = geometry.coverage_actions(code, theme=theme, limit=100)
    present = {row[2] for row in lieux}
    return _page(m, {
        "title": f"{dep.nom} ({dep.code}) — actions locales par commune", "palette": PALETTE, "nodata": NO_DATA,
        "indicators": [{"key": "sur_place", "label": "Actions sur place", "breaks": COMMUNE_BREAKS,
                        "labels": class_labels(COMMUNE_BREAKS, counts=True),
                        "legend": "Actions avec un lieu ou une couverture dans la commune"},
                       {"key": "actions", "label": "Toutes les actions accessibles", "breaks": SEED_BREAKS,
                        "labels": class_labels(SEED_BREAKS), "legend": "Actions locales (couverture comprise)"}],
        "tooltip": [["sur_place", "Actions sur place"], ["actions", "Actions accessibles"], ["lieux", "Lieux"],
                    ["population", "Population"]],
        "source": source, "insets": [],
        "polygons": {"type": "FeatureCollection", "features": features}, "polygonsName": "Communes",
        "outline": outline, "outlineName": "Contour du département",
        "lieux": data, "lieuxName": f"Lieux ({len(data)})",
        "couverture": {"total": total, "actions": [{"id": pk, "t": title, "niveau": level}
                                                   for pk, title, level in actions],
                       "keys": [{"colour": colours[s], "label": labels[s]} for s in labels if s in present]},
    }), density


def gap_html(report, *, tiles: bool = True, source: str) -> str:
    """The gap analysis as a map layer: communes beyond `km` of any lieu of the theme, in red by
    population, the département contour, and the theme's lieux as clustered markers."""
    from .gaps import gap_geojson

    layer_data = gap_geojson(report)
    m = _new_map(location=[46.6, 2.4], zoom=6, tiles=tiles)
    outline = None
    if report.departement:
        outline, bounds = geometry.departement_outline(report.departement)
        if bounds:
            m.fit_bounds(bounds)
    breaks = [500, 2000, 5000, 20000, 50000, 100000, 200000]
    features = [f for f in layer_data["features"] if f["geometry"]]
    lieux = geometry.theme_lieux(report.theme, departement=report.departement)
    reds = ["#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d"]
    return _page(m, {
        "title": report.summary(), "palette": reds, "nodata": NO_DATA, "source": source, "insets": [],
        "indicators": [{"key": "population", "label": "Population", "breaks": breaks,
                        "labels": class_labels(breaks), "legend": "Habitants des communes hors de portée"}],
        "tooltip": [["population", "Population"], ["distance_km", "Lieu le plus proche (km)"]],
        "polygons": {"type": "FeatureCollection", "features": features},
        "polygonsName": f"Communes à plus de {report.km:g} km",
        "outline": outline, "outlineName": "Contour du département",
        "lieux": [[lat, lon, "#000091", pk, (title or "")[:80]] for lat, lon, pk, title in lieux],
        "lieuxName": f"Lieux « {report.theme_label} »",
    })
