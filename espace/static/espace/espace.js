/* Espace: commune autocomplete on the lieu fields (a datalist fed by the communes API). */
(function () {
  "use strict";
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
