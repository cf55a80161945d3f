// Swagger UI for /docs: its files come from the fastapi-offline package, served by implhub
// itself under /static/swagger-ui; this start-up lives here, not inline, so the page's
// Content-Security-Policy can forbid inline script.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
