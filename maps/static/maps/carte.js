/* Annuaire maps: every value shown (names, titles, labels) comes from the JSON block
   script#annuaire-carte (type application/json) and reaches the page through textContent,
   never as HTML or template text. folium only sets up the Leaflet map (window[data.map]). */
(function () {
  "use strict";
  var block = document.getElementById("annuaire-carte");
  if (!block) { return; }
  var data = JSON.parse(block.textContent);
  var map = window[data.map];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "bg") { node.style.background = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
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
  function control(position, build) {
    var c = L.control({position: position});
    c.onAdd = function () { var div = build(); L.DomEvent.disableClickPropagation(div); return div; };
    c.addTo(map);
    return c;
  }

  function tip(p, ind) {
    var box = el("div", {}, [el("b", {text: p.nom}), " (" + p.code + ")"]);
    data.tooltip.forEach(function (t) { box.appendChild(el("div", {text: t[1] + " : " + fmt(p[t[0]])})); });
    if (ind.key.indexOf("t:") === 0) { box.appendChild(el("div", {text: ind.label + " : " + fmt(value(p, ind.key))})); }
    return box;
  }

  // Leaflet's zoom buttons say "Zoom in" in English: in the reader's language when we have it, else French.
  if (data.zoom) {
    var words = data.zoom[(navigator.language || "fr").slice(0, 2).toLowerCase()] || data.zoom.fr;
    [[".leaflet-control-zoom-in", words[0]], [".leaflet-control-zoom-out", words[1]]].forEach(function (b) {
      var button = map.getContainer().querySelector(b[0]);
      if (button) { button.title = b[1]; button.setAttribute("aria-label", b[1]); }
    });
  }

  var overlays = {};
  var polygons = L.geoJSON(data.polygons, {smoothFactor: 1.0});
  polygons.addTo(map);
  overlays[data.polygonsName] = polygons;
  var legendDiv = el("div", {"class": "annuaire-legend"});
  control("bottomright", function () { return legendDiv; });

  function restyle(ind) {
    polygons.eachLayer(function (l) {
      var c = cls(value(l.feature.properties, ind.key), ind.breaks);
      l.setStyle({fillColor: c < 0 ? data.nodata : data.palette[c], fillOpacity: 0.85, color: "#555", weight: 0.6});
      l.unbindTooltip();
      l.bindTooltip(tip(l.feature.properties, ind), {sticky: true});
    });
    legendDiv.replaceChildren(el("b", {text: ind.legend}));
    ind.labels.forEach(function (label, i) {
      legendDiv.appendChild(el("div", {}, [el("i", {bg: data.palette[i]}), label]));
    });
    legendDiv.appendChild(el("div", {"class": "annuaire-source", text: data.source}));
  }

  control("topright", function () {
    var div = el("div", {"class": "annuaire-title"}, [el("b", {text: data.title})]);
    if (data.indicators.length > 1) {
      var select = el("select", {"aria-label": "Indicateur"});
      data.indicators.forEach(function (ind, i) { select.appendChild(el("option", {value: String(i), text: ind.label})); });
      select.addEventListener("change", function () { restyle(data.indicators[+select.value]); });
      div.appendChild(el("br"));
      div.appendChild(el("label", {}, ["Indicateur ", select]));
    }
    return div;
  });

  if (data.insets && data.insets.length) {
    control("bottomleft", function () {
      var div = el("div", {"class": "annuaire-insets"}, [el("b", {text: "Outre-mer"}),
                                                        " (hors du cadre : cliquer pour y aller)"]);
      function link(label, bounds, suffix) {
        var a = el("a", {href: "#", text: label});
        a.addEventListener("click", function (e) { e.preventDefault(); map.fitBounds(bounds); });
        div.appendChild(el("div", {}, suffix ? [a, suffix] : [a]));
      }
      data.insets.forEach(function (inset) { link(inset.nom, inset.bounds, " : " + fmt(inset.actions) + " actions"); });
      link("France métropolitaine", data.home);
      return div;
    });
  }

  if (data.outline) {
    var outline = L.geoJSON(data.outline, {interactive: false,
                                           style: function () { return {fill: false, color: "#000091", weight: 3}; }});
    outline.addTo(map);
    overlays[data.outlineName] = outline;
  }

  if (data.lieux) {
    var cluster = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 50});
    data.lieux.forEach(function (row) {  // [lat, lon, colour, id, title]
      var dot = el("div", {"class": "annuaire-dot", bg: row[2]});
      var marker = L.marker([row[0], row[1]], {icon: L.divIcon({className: "", iconSize: [12, 12], html: dot})});
      marker.bindPopup(el("a", {href: "/dispositifs/" + encodeURIComponent(row[3]) + "/", target: "_blank",
                                text: row[4]}));
      cluster.addLayer(marker);
    });
    cluster.addTo(map);
    overlays[data.lieuxName] = cluster;
  }

  if (data.couverture) {
    control("topleft", function () {
      var cov = data.couverture;
      var list = el("ul");
      cov.actions.forEach(function (a) {
        list.appendChild(el("li", {}, [el("a", {href: "/dispositifs/" + encodeURIComponent(a.id) + "/",
                                                target: "_blank", text: a.t}), " (" + a.niveau + ")"]));
      });
      var panel = el("details", {"class": "annuaire-panel"},
                     [el("summary", {text: cov.total + " actions couvrent tout le département"}), list]);
      if (cov.total > cov.actions.length) {
        panel.appendChild(el("p", {text: "… et " + (cov.total - cov.actions.length) + " autres."}));
      }
      var keys = el("details", {"class": "annuaire-panel annuaire-legend"},
                    [el("summary", {text: "Couleur des lieux (thème)"})]);
      cov.keys.forEach(function (k) { keys.appendChild(el("div", {}, [el("i", {bg: k.colour}), k.label])); });
      return el("div", {}, [panel, keys]);
    });
  }

  L.control.layers(null, overlays, {collapsed: true}).addTo(map);
  restyle(data.indicators[0]);
  window.annuaireCarte = {map: map, polygons: polygons};
})();
