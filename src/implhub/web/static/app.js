// CSRF: every POST form and every same-origin fetch that changes something carries the token.
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form || (form.method || "").toLowerCase() !== "post") return;
    if (!form.querySelector('input[name="csrf_token"]')) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "csrf_token"; input.value = token;
      form.appendChild(input);
    }
  }, true);
  var origFetch = window.fetch;
  window.fetch = function (resource, init) {
    init = init || {};
    var method = (init.method || "GET").toUpperCase();
    var url = typeof resource === "string" ? resource : resource.url;
    var sameOrigin = url.indexOf("://") === -1 || url.indexOf(location.origin) === 0;
    if (sameOrigin && ["POST", "PUT", "PATCH", "DELETE"].indexOf(method) !== -1) {
      var headers = new Headers(init.headers || {});
      if (!headers.has("X-CSRF-Token")) headers.set("X-CSRF-Token", token);
      init.headers = headers;
    }
    return origFetch(resource, init);
  };
  // copy buttons next to one-time secrets
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-copy]");
    if (!b) return;
    var el = document.getElementById(b.getAttribute("data-copy"));
    if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent.trim());
  });
})();
