/* Espace: commune autocomplete on the lieu fields (a datalist fed by the communes API), and a map
   per lieu where a click (or dragging the marker) sets its latitude and longitude. */
(function () {
  "use strict";
  var leaflet = null;
  function loadLeaflet(el) {
    if (window.L) return Promise.resolve(window.L);
    if (leaflet) return leaflet;
    var css = document.createElement("link");
    css.rel = "stylesheet"; css.href = el.getAttribute("data-leaflet-css"); document.head.appendChild(css);
    leaflet = new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = el.getAttribute("data-leaflet-js"); s.onload = function () { resolve(window.L); }; s.onerror = reject;
      document.head.appendChild(s);
    });
    return leaflet;
  }
  document.querySelectorAll("[data-lieu]").forEach(function (block) {
    var el = block.querySelector("[data-lieu-map]");
    var lat = block.querySelector("input[name$='-lat']"), lon = block.querySelector("input[name$='-lon']");
    if (!el || !lat || !lon) return;
    el.hidden = false;
    loadLeaflet(el).then(function (L) {
      var has = lat.value && lon.value;
      var map = L.map(el, { scrollWheelZoom: false }).setView(has ? [+lat.value, +lon.value] : [46.6, 2.4], has ? 15 : 5);
      if (el.getAttribute("data-tiles")) L.tileLayer(el.getAttribute("data-tiles"), { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
      var marker = null;
      function place(latlng) {
        lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
        if (marker) marker.setLatLng(latlng);
        else {
          marker = L.marker(latlng, { draggable: true, keyboard: true }).addTo(map);
          marker.on("dragend", function () { place(marker.getLatLng()); });
        }
      }
      if (has) place(L.latLng(+lat.value, +lon.value));
      map.on("click", function (e) { place(e.latlng); });
      el.setAttribute("data-ready", "true");
    }).catch(function () { el.hidden = true; });
  });
  var list = document.getElementById("communes-suggestions");
  if (!list) return;
  document.querySelectorAll("[data-commune-autocomplete]").forEach(function (input) {
    var timer = null;
    input.setAttribute("list", "communes-suggestions");
    input.addEventListener("input", function () {
      var q = input.value.trim();
      clearTimeout(timer);
      if (q.length < 2 || /\(\w+\)$/.test(q)) return;
      timer = setTimeout(function () {
        fetch("/api/v1/territoires/communes/?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (data) {
            var rows = Array.isArray(data) ? data : (data.results || []);
            list.innerHTML = "";
            rows.slice(0, 8).forEach(function (c) {
              var option = document.createElement("option");
              option.value = c.nom + " (" + c.code + ")";
              list.appendChild(option);
            });
          }).catch(function () {});
      }, 200);
    });
  });
})();
