// Starts Swagger UI on the API documentation page. A file of its own, because the Content-Security-Policy
// allows no inline scripts. Requests made from the page carry the session's CSRF token.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  var csrfToken = root.getAttribute("data-csrf-token");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    // Deep links would put a link inside each operation's button, which screen readers cannot use.
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    defaultModelsExpandDepth: -1,
    onComplete: function () {
      // Swagger UI leaves its title outside any landmark and skips a heading level under it.
      var info = root.querySelector(".information-container");
      if (info) {
        info.setAttribute("role", "region");
        info.setAttribute("aria-label", "About the API");
      }
      root.querySelectorAll("h3.opblock-tag").forEach(function (heading) {
        heading.setAttribute("aria-level", "2");
      });
    },
    requestInterceptor: function (request) {
      request.headers["X-CSRFToken"] = csrfToken;
      return request;
    },
  });
})();
