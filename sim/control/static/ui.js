// leadsim dashboard: while the workspace clock runs, refresh the live regions of the page in place.
(function () {
  "use strict";
  var body = document.body;
  var every = parseInt(body.getAttribute("data-live") || "0", 10);
  if (!every || !window.fetch || !window.DOMParser) { return; }
  var busy = false;
  function refresh() {
    if (busy || document.hidden) { return; }
    busy = true;
    var url = window.location.pathname;  // without ?advanced=...: the notice belongs to the click that made it
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-region]").forEach(function (old) {
          var name = old.getAttribute("data-live-region");
          var next = fresh.querySelector('[data-live-region="' + name + '"]');
          if (!next) { return; }
          // keep open <details> (journal bodies) open across refreshes
          if (old.querySelector("details[open]")) { return; }
          old.replaceWith(document.importNode(next, true));
        });
      })
      .catch(function () { /* the server may be restarting: try again next tick */ })
      .then(function () { busy = false; });
  }
  window.setInterval(refresh, every);
})();
