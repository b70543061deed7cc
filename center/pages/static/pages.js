// ASCC pages: the small helpers every page script shares (no framework, no build step).
// window.ascc.api(path, {key, method, body}) calls the JSON API and resolves to the parsed
// body; a problem answer (4xx/5xx) rejects with an Error carrying .status and .problem.
(function () {
  "use strict";

  async function api(path, options) {
    var opts = options || {};
    var headers = { "Accept": "application/json" };
    if (opts.key) headers["Authorization"] = "Bearer " + opts.key;
    var init = { method: opts.method || "GET", headers: headers, cache: "no-store",
                 credentials: "same-origin", referrerPolicy: "no-referrer" };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    var response = await fetch(path, init);
    var text = await response.text();
    var data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      var error = new Error((data && (data.detail || data.title)) || ("HTTP " + response.status));
      error.status = response.status;
      error.problem = data;
      throw error;
    }
    return data;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function announce(region, message) {
    if (region) region.textContent = message;
  }

  window.ascc = { api: api, el: el, announce: announce };
})();
