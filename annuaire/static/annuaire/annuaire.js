/* Annuaire: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";

  // --- Place field: commune autocomplete (ARIA combobox) and "use my position" -----------------
  function setupPlace(root) {
    var input = root.querySelector("#lieu");
    var list = root.querySelector("#lieu-suggestions");
    var commune = root.querySelector("[data-commune]");
    var lat = root.querySelector("[data-lat]");
    var lon = root.querySelector("[data-lon]");
    var placeLabel = root.querySelector("[data-place-label]");
    var geoloc = root.querySelector("[data-geoloc]");
    var form = input && input.form;
    if (!input || !form) return;
    var items = [], active = -1, timer = null, lastQuery = "";

    function close() {
      list.hidden = true; input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant"); active = -1;
    }
    function choose(i) {
      var c = items[i]; if (!c) return;
      input.value = c.label; commune.value = c.code; placeLabel.value = c.label; lat.disabled = lon.disabled = true;
      close();
    }
    function highlight(i) {
      var options = list.querySelectorAll("li");
      options.forEach(function (li, n) { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
      active = i;
      if (options[i]) input.setAttribute("aria-activedescendant", options[i].id);
    }
    function render() {
      list.innerHTML = "";
      items.forEach(function (c, i) {
        var li = document.createElement("li");
        li.id = "lieu-option-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        li.textContent = c.label;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0; input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }
    function toItem(c) {
      var cps = c.codes_postaux || (c.code_postal ? [c.code_postal] : []);
      var dep = c.departement && (c.departement.code || c.departement);
      var extra = cps.length ? cps[0] : (dep || "");
      return { code: c.code, label: c.nom + (extra ? " (" + extra + ")" : "") };
    }
    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 2 || q === lastQuery) return;
      lastQuery = q;
      fetch("/api/v1/territoires/communes/?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (data) {
          if (input.value.trim() !== q) return;
          var rows = Array.isArray(data) ? data : (data.results || (data.features || []).map(function (f) { return f.properties; }));
          items = rows.slice(0, 8).map(toItem); render();
        })
        .catch(function () { items = []; render(); });
    }
    input.addEventListener("input", function () {
      commune.value = ""; lat.disabled = lon.disabled = true;
      clearTimeout(timer); timer = setTimeout(fetchSuggestions, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });

    if (geoloc && "geolocation" in navigator) {
      geoloc.hidden = false;
      geoloc.addEventListener("click", function () {
        var error = document.querySelector("[data-geoloc-error]");
        geoloc.disabled = true;
        navigator.geolocation.getCurrentPosition(function (pos) {
          lat.value = pos.coords.latitude.toFixed(5); lon.value = pos.coords.longitude.toFixed(5);
          lat.disabled = lon.disabled = false; commune.value = ""; input.required = false; input.value = "";
          form.submit();
        }, function () {
          geoloc.disabled = false; if (error) error.hidden = false; input.focus();
        }, { timeout: 10000, maximumAge: 600000 });
      });
    }
  }

  // --- Filters: a theme facet applies at once --------------------------------------------------
  function setupAutosubmit() {
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { if (el.form) el.form.submit(); });
    });
  }

  // --- Share: copy the link, print -------------------------------------------------------------
  function setupShare() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var field = document.querySelector(button.getAttribute("data-copy"));
        var status = document.querySelector("[data-copy-status]");
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) status.textContent = button.getAttribute("data-copied");
        }, function () { field.select(); });
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // --- Map: Leaflet loaded when the map comes into view; the outline needs no tile server ------
  var leafletPromise = null;
  function loadLeaflet(el) {
    if (window.L) return Promise.resolve(window.L);
    if (leafletPromise) return leafletPromise;
    var css = document.createElement("link");
    css.rel = "stylesheet"; css.href = el.getAttribute("data-leaflet-css"); document.head.appendChild(css);
    leafletPromise = new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = el.getAttribute("data-leaflet-js"); s.onload = function () { resolve(window.L); }; s.onerror = reject;
      document.head.appendChild(s);
    });
    return leafletPromise;
  }
  function drawMap(el, L) {
    var data = document.getElementById(el.getAttribute("data-points"));
    var points = data ? JSON.parse(data.textContent) : [];
    var rtl = document.documentElement.dir === "rtl";
    var map = L.map(el, { scrollWheelZoom: false, zoomControl: false });
    // The zoom buttons in the page's language (Leaflet's own titles are English).
    L.control.zoom({ zoomInTitle: el.getAttribute("data-zoom-in") || "+", zoomOutTitle: el.getAttribute("data-zoom-out") || "-",
                     position: rtl ? "topright" : "topleft" }).addTo(map);
    if (rtl) map.attributionControl.setPosition("bottomleft");
    var tiles = el.getAttribute("data-tiles");
    var outlineLayer = null, tilesFailed = false;
    function showWholeOutline() {  // without tiles, the département's shape is the only landmark: show it whole
      if (tilesFailed && outlineLayer) map.fitBounds(outlineLayer.getBounds(), { padding: [8, 8] });
    }
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, attribution: "© OpenStreetMap" })
        .once("tileerror", function () { tilesFailed = true; showWholeOutline(); }).addTo(map);
    }
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#000091", weight: 2, fillColor: "#6a6af4", fillOpacity: 0.9 });
      var popup = document.createElement("div");
      if (p.url) { var a = document.createElement("a"); a.href = p.url; a.textContent = p.title; a.lang = "fr"; popup.appendChild(a); }
      else { var strong = document.createElement("strong"); strong.textContent = p.title; strong.lang = "fr"; popup.appendChild(strong); }
      if (p.place) { popup.appendChild(document.createElement("br")); popup.appendChild(document.createTextNode(p.place)); }
      marker.bindPopup(popup).addTo(map); bounds.push([p.lat, p.lon]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 });
    var outline = el.getAttribute("data-outline");
    if (outline) {
      fetch(outline).then(function (r) { return r.ok ? r.json() : null; }).then(function (geo) {
        if (!geo) return;
        var layer = L.geoJSON(geo, { style: { color: "#3a3a3a", weight: 2, fillColor: "#e3e3fd", fillOpacity: 0.35 }, interactive: false }).addTo(map);
        layer.bringToBack(); outlineLayer = layer;
        if (!bounds.length) map.fitBounds(layer.getBounds());
        showWholeOutline();
      }).catch(function () {});
    }
    if (!bounds.length && !outline) map.setView([46.6, 2.4], 5);
    el.setAttribute("data-ready", "true");
  }
  function setupMaps() {
    document.querySelectorAll("[data-map]").forEach(function (el) {
      el.hidden = false;
      function start() { loadLeaflet(el).then(function (L) { drawMap(el, L); }); }
      if (!("IntersectionObserver" in window)) { start(); return; }
      var io = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { io.disconnect(); start(); }
      }, { rootMargin: "200px" });
      io.observe(el);
    });
  }

  // --- Listen: the fiche read aloud by the device's own voices (no server); hidden without a voice ------
  function setupListen() {
    var button = document.querySelector("[data-listen]");
    var synth = window.speechSynthesis;
    if (!button || !synth || !window.SpeechSynthesisUtterance) return;
    var pageLang = document.documentElement.lang, label = button.textContent, speaking = false;
    function voiceFor(lang) {
      return synth.getVoices().filter(function (v) { return v.lang && v.lang.toLowerCase().indexOf(lang) === 0; })[0];
    }
    function offer() { if (voiceFor(pageLang)) button.hidden = false; }
    offer();
    if (synth.addEventListener) synth.addEventListener("voiceschanged", offer);
    button.addEventListener("click", function () {
      if (speaking) { synth.cancel(); speaking = false; button.textContent = label; return; }
      var root = document.querySelector(button.getAttribute("data-listen"));
      var blocks = root ? root.querySelectorAll("h1, h2, p, dt, dd, li") : [];
      speaking = true; button.textContent = button.getAttribute("data-stop");
      blocks.forEach(function (el, i) {
        if (el.closest("[hidden], .web-noprint, .web-print-only") || !el.innerText.trim()) return;
        var lang = (el.closest("[lang]") || document.documentElement).lang, voice = voiceFor(lang);
        if (!voice) return;  // a passage in a language the device cannot speak is skipped, not mangled
        var u = new SpeechSynthesisUtterance(el.innerText); u.lang = voice.lang; u.voice = voice;
        synth.speak(u);
      });
      var done = new SpeechSynthesisUtterance(""); done.onend = function () { speaking = false; button.textContent = label; };
      synth.speak(done);
    });
  }

  // --- Offline: a service worker keeps the last results and the fiches viewed (annuaire/sw.js) ------
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }

  document.querySelectorAll("[data-place]").forEach(setupPlace);
  setupListen();
  setupAutosubmit(); setupShare(); setupMaps();
})();
