"""Folium (Leaflet) maps: the national choropleth and the map of one département.

The pages load Leaflet and its plugins from a CDN (folium's default): fine for files people
download and open anywhere, but they need the internet to display. Background tiles come from
settings.TILES_URL and can be turned off (`tiles=None`): the choropleth reads without them.
Styling, the indicator selector and the legend are a few lines of our own JavaScript
(`_DensityControl`), so the outlines are embedded once and not once per theme layer.
"""

import json

import folium
from django.conf import settings
from folium.plugins import FastMarkerCluster
from folium.template import Template

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


class _DensityControl(folium.MacroElement):
    """Restyles one GeoJSON layer from its feature properties: indicator selector, legend, tooltips,
    title, source line and (France) the overseas départements box."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var layer = {{ this.layer.get_name() }};
  var cfg = {{ this.config|tojson }};
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  function value(p, key) {
    if (key.indexOf("t:") === 0) { return (p.t || {})[key.slice(2)] || 0; }
    return p[key];
  }
  function cls(v, breaks) {
    if (v === null || v === undefined) { return -1; }
    for (var i = 0; i < breaks.length; i++) { if (v < breaks[i]) { return i; } }
    return breaks.length;
  }
  function fmt(v) { return (v === null || v === undefined) ? "–" : String(v).replace(".", ","); }
  function tip(p, ind) {
    var lines = ["<b>" + esc(p.nom) + "</b> (" + esc(p.code) + ")"];
    for (var i = 0; i < cfg.tooltip.length; i++) {
      lines.push(esc(cfg.tooltip[i][1]) + " : " + fmt(p[cfg.tooltip[i][0]]));
    }
    if (ind.key.indexOf("t:") === 0) { lines.push(esc(ind.label) + " : " + fmt(value(p, ind.key))); }
    return lines.join("<br>");
  }
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () { this._div = L.DomUtil.create("div", "annuaire-legend"); return this._div; };
  legend.addTo(map);
  function restyle(ind) {
    layer.eachLayer(function (l) {
      var c = cls(value(l.feature.properties, ind.key), ind.breaks);
      l.setStyle({fillColor: c < 0 ? cfg.nodata : cfg.palette[c], fillOpacity: 0.85, color: "#555",
                  weight: 0.6});
      if (l.getTooltip()) { l.setTooltipContent(tip(l.feature.properties, ind)); }
      else { l.bindTooltip(tip(l.feature.properties, ind), {sticky: true}); }
    });
    var html = "<b>" + esc(ind.legend) + "</b>";
    for (var i = 0; i < ind.labels.length; i++) {
      html += '<div><i style="background:' + cfg.palette[i] + '"></i>' + esc(ind.labels[i]) + "</div>";
    }
    legend._div.innerHTML = html + '<div class="annuaire-source">' + esc(cfg.source) + "</div>";
  }
  var title = L.control({position: "topright"});
  title.onAdd = function () {
    var div = L.DomUtil.create("div", "annuaire-title");
    var html = "<b>" + esc(cfg.title) + "</b>";
    if (cfg.indicators.length > 1) {
      html += '<br><label>Indicateur <select aria-label="Indicateur">';
      for (var i = 0; i < cfg.indicators.length; i++) {
        html += '<option value="' + i + '">' + esc(cfg.indicators[i].label) + "</option>";
      }
      html += "</select></label>";
    }
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div);
    var select = div.querySelector("select");
    if (select) { select.addEventListener("change", function () { restyle(cfg.indicators[+select.value]); }); }
    return div;
  };
  title.addTo(map);
  if (cfg.insets && cfg.insets.length) {
    var box = L.control({position: "bottomleft"});
    box.onAdd = function () {
      var div = L.DomUtil.create("div", "annuaire-insets");
      var html = "<b>Outre-mer</b> (hors du cadre : cliquer pour y aller)";
      for (var i = 0; i < cfg.insets.length; i++) {
        html += '<div><a href="#" data-i="' + i + '">' + esc(cfg.insets[i].nom) + "</a> : " +
                fmt(cfg.insets[i].actions) + " actions</div>";
      }
      html += '<div><a href="#" data-i="home">France métropolitaine</a></div>';
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      div.addEventListener("click", function (e) {
        var i = e.target.getAttribute("data-i");
        if (i === null) { return; }
        e.preventDefault();
        map.fitBounds(i === "home" ? cfg.home : cfg.insets[+i].bounds);
      });
      return div;
    };
    box.addTo(map);
  }
  restyle(cfg.indicators[0]);
})();
{% endmacro %}
""")

    def __init__(self, layer, config: dict):
        super().__init__()
        self._name = "DensityControl"
        self.layer = layer
        self.config = config


_CSS = """<style>
.annuaire-legend, .annuaire-title, .annuaire-insets, .annuaire-panel {background: rgba(255,255,255,.92);
  padding: 6px 8px; border-radius: 4px; box-shadow: 0 0 6px rgba(0,0,0,.3); font: 13px/1.35 sans-serif;}
.annuaire-legend i {display: inline-block; width: 14px; height: 12px; margin-right: 6px; border: 1px solid #888;}
.annuaire-source {margin-top: 4px; font-size: 11px; color: #444; max-width: 220px;}
.annuaire-panel {max-width: 320px; max-height: 40vh; overflow: auto;}
.annuaire-dot {width: 12px; height: 12px; border-radius: 6px; border: 1.5px solid #fff; box-shadow: 0 0 2px #000;}
</style>"""


def _new_map(*, location, zoom, tiles: bool):
    url = getattr(settings, "TILES_URL", "") if tiles else ""
    m = folium.Map(location=location, zoom_start=zoom, tiles=None, prefer_canvas=True, control_scale=True)
    if url:
        folium.TileLayer(url, attr=TILES_ATTRIBUTION, name="Fond de carte", opacity=0.6).add_to(m)
    m.get_root().header.add_child(folium.Element(_CSS))
    return m


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
    layer = folium.GeoJson({"type": "FeatureCollection", "features": features}, name="Départements",
                           smooth_factor=1.0, zoom_on_click=False)
    layer.add_to(m)
    title = "Nombre d'actions locales recensées par département"
    if theme:
        title += f" — {dict(Theme.objects.values_list('slug', 'label')).get(theme, theme)}"
    _DensityControl(layer, {
        "title": title, "indicators": indicators, "palette": PALETTE, "nodata": NO_DATA, "source": source,
        "tooltip": [["actions", "Actions locales"], ["pour_100000", "Pour 100 000 hab."],
                    ["population", "Population"]],
        "insets": insets, "home": home,
    }).add_to(m)
    return m.get_root().render(), rows


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


# folium writes `var callback = <this>;`: an expression, not a declaration.
_MARKER_CALLBACK = """function (row) {
  var icon = L.divIcon({className: "", iconSize: [12, 12],
                        html: '<div class="annuaire-dot" style="background:' + row[2] + '"></div>'});
  var marker = L.marker(new L.LatLng(row[0], row[1]), {icon: icon});
  var title = String(row[4]).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; });
  marker.bindPopup('<a href="/dispositifs/' + row[3] + '/" target="_blank">' + title + "</a>");
  return marker;
}"""


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
    layer = folium.GeoJson({"type": "FeatureCollection", "features": features}, name="Communes",
                           zoom_on_click=False)
    layer.add_to(m)
    folium.GeoJson(outline, name="Contour du département", interactive=False,
                   style_function=lambda _f: {"fill": False, "color": "#000091", "weight": 3}).add_to(m)
    FastMarkerCluster(data, callback=_MARKER_CALLBACK, name=f"Lieux ({len(data)})",
                      options={"chunkedLoading": True, "maxClusterRadius": 50}).add_to(m)
    _DensityControl(layer, {
        "title": f"{dep.nom} ({dep.code}) — actions locales par commune", "palette": PALETTE, "nodata": NO_DATA,
        "indicators": [{"key": "sur_place", "label": "Actions sur place", "breaks": COMMUNE_BREAKS,
                        "labels": class_labels(COMMUNE_BREAKS, counts=True),
                        "legend": "Actions avec un lieu ou une couverture dans la commune"},
                       {"key": "actions", "label": "Toutes les actions accessibles", "breaks": SEED_BREAKS,
                        "labels": class_labels(SEED_BREAKS), "legend": "Actions locales (couverture comprise)"}],
        "tooltip": [["sur_place", "Actions sur place"], ["actions", "Actions accessibles"], ["lieux", "Lieux"],
                    ["population", "Population"]],
        "source": source, "insets": [],
    }).add_to(m)
    _coverage_panel(m, code, theme=theme, density=density, labels=labels, colours=colours,
                    present={row[2] for row in lieux})
    folium.LayerControl(collapsed=True).add_to(m)
    return m.get_root().render(), density


def _coverage_panel(m, code, *, theme, density, labels, colours, present):
    from django.utils.html import escape

    total, actions = geometry.coverage_actions(code, theme=theme, limit=100)
    items = "".join(f'<li><a href="/dispositifs/{pk}/" target="_blank">{escape(title)}</a> ({escape(level)})</li>'
                    for pk, title, level in actions)
    more = f"<p>… et {total - len(actions)} autres.</p>" if total > len(actions) else ""
    keys = "".join(f'<div><i style="background:{colours[s]}"></i>{escape(labels[s])}</div>'
                   for s in labels if s in present)
    html = (f'<details class="annuaire-panel"><summary>{total} actions couvrent tout le département</summary>'
            f"<ul>{items}</ul>{more}</details>"
            f'<details class="annuaire-panel annuaire-legend"><summary>Couleur des lieux (thème)</summary>{keys}'
            f"</details>")
    panel = folium.MacroElement()
    panel._template = Template(
        "{% macro script(this, kwargs) %}(function () { var c = L.control({position: 'topleft'});"
        " c.onAdd = function () { var d = L.DomUtil.create('div'); d.innerHTML = " + json.dumps(html) + ";"
        " L.DomEvent.disableClickPropagation(d); return d; };"
        " c.addTo(" + m.get_name() + "); })();{% endmacro %}")
    panel.add_to(m)


def gap_html(report, *, tiles: bool = True, source: str) -> str:
    """The gap analysis as a map layer: communes beyond `km` of any lieu of the theme, in red by
    population, the département contour, and the theme's lieux as clustered markers."""
    from .gaps import gap_geojson

    layer_data = gap_geojson(report)
    m = _new_map(location=[46.6, 2.4], zoom=6, tiles=tiles)
    bounds = None
    if report.departement:
        outline, bounds = geometry.departement_outline(report.departement)
        folium.GeoJson(outline, name="Contour du département", interactive=False,
                       style_function=lambda _f: {"fill": False, "color": "#000091", "weight": 3}).add_to(m)
    if bounds:
        m.fit_bounds(bounds)
    breaks = [500, 2000, 5000, 20000, 50000, 100000, 200000]
    features = [f for f in layer_data["features"] if f["geometry"]]
    layer = folium.GeoJson({"type": "FeatureCollection", "features": features},
                           name=f"Communes à plus de {report.km:g} km", zoom_on_click=False)
    layer.add_to(m)
    lieux = geometry.theme_lieux(report.theme, departement=report.departement)
    FastMarkerCluster([[lat, lon, "#000091", pk, (title or "")[:80]] for lat, lon, pk, title in lieux],
                      callback=_MARKER_CALLBACK, name=f"Lieux « {report.theme_label} »",
                      options={"chunkedLoading": True}).add_to(m)
    reds = ["#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d"]
    _DensityControl(layer, {
        "title": report.summary(), "palette": reds, "nodata": NO_DATA, "source": source, "insets": [],
        "indicators": [{"key": "population", "label": "Population", "breaks": breaks,
                        "labels": class_labels(breaks), "legend": "Habitants des communes hors de portée"}],
        "tooltip": [["population", "Population"], ["distance_km", "Lieu le plus proche (km)"]],
    }).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m.get_root().render()
