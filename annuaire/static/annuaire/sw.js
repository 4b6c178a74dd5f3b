/* Annuaire service worker: the last results and the fiches viewed stay readable offline (issue #14).
   Pages: network first, the copy kept for when the network fails. Static files: fingerprinted and
   immutable, so cache first. Nothing else is stored (no API answers, no personal data). */
"use strict";
var PAGES = "annuaire-pages-v1", STATIC = "annuaire-static-v1", MAX_PAGES = 40, OFFLINE = "/hors-ligne/";
var KEPT = [/^\/$/, /^\/recherche\/$/, /^\/dispositifs\/\d+\/$/, /^\/territoires\/departements\/[^/]+\/$/,
            /^\/territoires\/departements\/[^/]+\/contour\.geojson$/, /^\/hors-ligne\/$/];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(PAGES).then(function (cache) { return cache.add(OFFLINE); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== PAGES && k !== STATIC; })
                           .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function trim(cache) {
  return cache.keys().then(function (keys) {
    var extra = keys.length - MAX_PAGES;
    return Promise.all(keys.slice(0, Math.max(0, extra)).map(function (k) { return cache.delete(k); }));
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(STATIC).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
      });
    }));
    return;
  }
  if (!KEPT.some(function (re) { return re.test(url.pathname); })) return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(request, copy).then(function () { return trim(cache); }); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request, { ignoreVary: true }).then(function (hit) {
        if (hit) return hit;
        return request.mode === "navigate" ? cache.match(OFFLINE, { ignoreVary: true }) : Response.error();
      });
    });
  }));
});
