// Starts Swagger UI on the docs page; a file of its own so the page needs no inline script.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    // Offline: never send the document to the public validator.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    requestInterceptor: function (request) {
      // Session-authenticated calls carry the CSRF token as Django's do, under the names
      // the project's settings give (the page says which).
      var name = root.dataset.csrfCookie + "=";
      var cookie = document.cookie.split("; ").find(function (c) { return c.indexOf(name) === 0; });
      if (cookie) { request.headers[root.dataset.csrfHeader] = decodeURIComponent(cookie.slice(name.length)); }
      return request;
    },
  });
});
