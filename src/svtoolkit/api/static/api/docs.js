// Starts Swagger UI on the API documentation page. A file of its own, because the Content-Security-Policy
// allows no inline scripts. Requests made from the page carry the session's CSRF token.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  var csrfToken = root.getAttribute("data-csrf-token");

  // Swagger UI renders its operations in a <main> of its own once the schema has loaded, puts its server and
  // authorisation bar outside it, and heads its groups with h3 under the page's h1. An observer mends each
  // as it appears, before anything else runs, so that at every moment the page has exactly one main
  // landmark, nothing outside a landmark and no skipped heading level (not only once the page settles).
  function mend() {
    var waiting = document.getElementById("api-docs-waiting");
    if (waiting && root.querySelector("main#operations")) {
      waiting.remove();
    }
    root.querySelectorAll(".scheme-container:not([role])").forEach(function (bar) {
      bar.setAttribute("role", "region");
      bar.setAttribute("aria-label", "Server and authorisation");
    });
    root.querySelectorAll("h3.opblock-tag:not([aria-level])").forEach(function (heading) {
      heading.setAttribute("aria-level", "2");
    });
  }
  new MutationObserver(mend).observe(root, { childList: true, subtree: true });

  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    // Deep links would put a link inside each operation's button, which screen readers cannot use.
    deepLinking: false,
    defaultModelsExpandDepth: -1,
    presets: [window.SwaggerUIBundle.presets.apis],
    requestInterceptor: function (request) {
      request.headers["X-CSRFToken"] = csrfToken;
      return request;
    },
  });
})();
