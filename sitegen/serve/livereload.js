// sitegen serve: live reload. After a good build the page is patched in place: only
// what the build changed is updated, so the reader keeps their scroll position, the
// player keeps playing and what the page's own scripts did stays done. A change that
// patching cannot carry (a script, the head, elements the scripts hold on to) reloads
// the page. Stylesheets are swapped after a CSS-only change, and a failed build's
// problems show in an overlay. The overlay is built from DOM text nodes only: problem
// messages quote user files and must never be parsed as HTML.
(function () {
  "use strict";
  var OVERLAY_ID = "sitegen-build-error";
  // Elements that scripts keep references to or that hold playback state: a build that
  // adds or removes nodes around them reloads the page instead of patching it.
  var HELD = "audio, video, iframe, script, [data-start], [id=player]";
  var root = document.documentElement;
  var script = document.currentScript;
  // The server put the build and output file this page came from in the script's URL.
  var query = script ? new URL(script.src, location.href).search : "";
  var checksum = new URLSearchParams(query).get("h");
  var url = "/_sitegen/events" + query;
  var source = new EventSource(url);
  // The page as the server sent it (before any script touched it): the base that a
  // rebuilt page is compared with. Null until fetched, or when it cannot be trusted.
  var served = null;
  var refreshing = null, again = false;

  fetchPage().then(function (page) {
    if (checksum && page.checksum === checksum) {
      served = page.doc;
      root.setAttribute("data-sitegen-patchable", "true");
    }
  }).catch(function () {});

  source.addEventListener("open", function () {
    root.setAttribute("data-sitegen-live", "connected");
  });
  source.addEventListener("error", function () {
    root.setAttribute("data-sitegen-live", "reconnecting");
  });
  source.addEventListener("reload", function () {
    if (document.getElementById(OVERLAY_ID) || !served) {
      reload();
      return;
    }
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = refresh().then(function () {
      refreshing = null;
      if (again) {
        again = false;
        source.dispatchEvent(new Event("reload"));
      }
    });
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

  function reload() {
    root.setAttribute("data-sitegen-live", "reloading");
    location.reload();
  }

  function fetchPage() {
    return fetch(location.href, {cache: "no-store"}).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      var sum = response.headers.get("X-Sitegen-Page");
      return response.text().then(function (html) {
        return {checksum: sum, doc: new DOMParser().parseFromString(html, "text/html")};
      });
    });
  }

  function refresh() {
    return fetchPage().then(function (page) {
      var fresh = page.doc;
      if (!sameHead(served.head, fresh.head) ||
          !patch(document.body, served.body, fresh.body)) {
        reload();
        return;
      }
      served = fresh;
      if (document.title !== fresh.title) document.title = fresh.title;
      var patches = Number(root.getAttribute("data-sitegen-patches") || "0") + 1;
      root.setAttribute("data-sitegen-patches", String(patches));
    }).catch(reload);
  }

  function ours(node) {   // this script's own tag: its URL changes with every build
    return node.nodeName === "SCRIPT" && /^\/_sitegen\//.test(node.getAttribute("src") || "");
  }

  function sameHead(before, after) {
    var a = before.children, b = after.children;
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) {
      if (a[i].nodeName === "TITLE" && b[i].nodeName === "TITLE") continue;
      if (!(ours(a[i]) && ours(b[i])) && !a[i].isEqualNode(b[i])) return false;
    }
    return true;
  }

  function sameShape(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) {
      var x = a[i], y = b[i];
      if (x.nodeType !== y.nodeType || x.nodeName !== y.nodeName) return false;
      if (x.nodeType === 1 && x.id !== y.id) return false;
    }
    return true;
  }

  // Carry the build's changes from `before` to `after` over to `live`, which is
  // `before` plus whatever the page's scripts did. False: it cannot be done in place.
  function patch(live, before, after) {
    if (before.isEqualNode(after) || (ours(before) && ours(after))) return true;
    if (live.nodeName === "SCRIPT") return false;
    var names = {};
    Array.prototype.forEach.call(before.attributes, function (a) { names[a.name] = 1; });
    Array.prototype.forEach.call(after.attributes, function (a) { names[a.name] = 1; });
    Object.keys(names).forEach(function (name) {
      var value = after.getAttribute(name);
      if (before.getAttribute(name) === value) return;   // not the build's change
      if (value === null) live.removeAttribute(name);
      else live.setAttribute(name, value);
    });
    var was = before.childNodes, now = after.childNodes, here = live.childNodes;
    if (!sameShape(here, was)) return false;   // a script added or removed nodes here
    if (sameShape(was, now)) {
      for (var i = 0; i < now.length; i++) {
        if (now[i].nodeType === 1) {
          if (!patch(here[i], was[i], now[i])) return false;
        } else if (was[i].nodeValue !== now[i].nodeValue) {
          here[i].nodeValue = now[i].nodeValue;
        }
      }
      return true;
    }
    if (live.querySelector(HELD) || after.querySelector(HELD)) return false;
    live.replaceChildren.apply(live, Array.prototype.map.call(now, function (node) {
      return document.importNode(node, true);
    }));
    return true;
  }

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
