// sitegen serve: live reload. Reloads the page after a good build, swaps the
// stylesheets after a CSS-only change, and shows a failed build's problems in an
// overlay. The overlay is built from DOM text nodes only: problem messages quote
// user files and must never be parsed as HTML.
(function () {
  "use strict";
  var OVERLAY_ID = "sitegen-build-error";
  var root = document.documentElement;
  var script = document.currentScript;
  // The server put the build and output file this page came from in the script's URL.
  var url = "/_sitegen/events" + (script ? new URL(script.src, location.href).search : "");
  var source = new EventSource(url);

  source.addEventListener("open", function () {
    root.setAttribute("data-sitegen-live", "connected");
  });
  source.addEventListener("error", function () {
    root.setAttribute("data-sitegen-live", "reconnecting");
  });
  source.addEventListener("reload", function () {
    root.setAttribute("data-sitegen-live", "reloading");
    location.reload();
  });
  source.addEventListener("css", function () {
    swapStylesheets();
  });
  source.addEventListener("problems", function (event) {
    var payload;
    try {
      payload = JSON.parse(event.data);
    } catch (err) {
      payload = {problems: [{message: "the build failed"}]};
    }
    showOverlay(payload.problems || []);
  });
  window.addEventListener("pagehide", function () { source.close(); });

  function swapStylesheets() {
    fetch(location.href, {cache: "no-store"})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .querySelectorAll('link[rel="stylesheet"]');
        var current = document.querySelectorAll('link[rel="stylesheet"]');
        if (fresh.length !== current.length) {
          location.reload();
          return;
        }
        current.forEach(function (link, i) {
          var href = fresh[i].getAttribute("href");
          if (link.getAttribute("href") === href) return;
          var next = link.cloneNode(false);
          next.setAttribute("href", href);
          next.addEventListener("load", function () { link.remove(); });
          next.addEventListener("error", function () { location.reload(); });
          link.after(next);
        });
        var swaps = Number(root.getAttribute("data-sitegen-css-swaps") || "0") + 1;
        root.setAttribute("data-sitegen-css-swaps", String(swaps));
      })
      .catch(function () { location.reload(); });
  }

  function el(tag, text, style) {
    var node = document.createElement(tag);
    if (text) node.appendChild(document.createTextNode(text));
    if (style) node.setAttribute("style", style);
    return node;
  }

  function showOverlay(problems) {
    var old = document.getElementById(OVERLAY_ID);
    if (old) old.remove();
    var overlay = el("div", "", "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(20,20,24,.92);color:#f4f4f5;font:15px/1.5 system-ui,sans-serif;" +
      "padding:2rem;");
    overlay.id = OVERLAY_ID;
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-labelledby", OVERLAY_ID + "-title");
    var title = el("h2", "Build failed", "margin:0 0 .5rem;color:#fca5a5;font-size:1.4rem;");
    title.id = OVERLAY_ID + "-title";
    overlay.appendChild(title);
    overlay.appendChild(el("p", "The page shows the last good build. Fix the problem " +
      "below and save: the page reloads by itself.", "margin:0 0 1rem;color:#d4d4d8;"));
    var list = el("ol", "", "margin:0;padding-left:1.2rem;");
    problems.forEach(function (problem) {
      var item = el("li", "", "margin:0 0 1rem;");
      item.className = "sitegen-problem";
      var where = problem.file ? problem.file + (problem.line ? ":" + problem.line : "")
                               : "sitegen";
      var location_ = el("code", where, "font:14px ui-monospace,monospace;color:#93c5fd;");
      location_.className = "sitegen-problem-location";
      item.appendChild(location_);
      var message = el("div", problem.message || "", "white-space:pre-wrap;");
      message.className = "sitegen-problem-message";
      item.appendChild(message);
      if (problem.hint) {
        item.appendChild(el("div", "hint: " + problem.hint, "color:#d4d4d8;"));
      }
      list.appendChild(item);
    });
    overlay.appendChild(list);
    var close = el("button", "Hide", "margin-top:1rem;font:inherit;padding:.3rem .9rem;");
    close.type = "button";
    close.addEventListener("click", function () { overlay.remove(); });
    overlay.appendChild(close);
    (document.body || root).appendChild(overlay);
  }
})();
