// Live reload for `kneeguide serve`. The preview server adds this script to every page it serves;
// it is never part of the built site. It listens to /__kneeguide/events (Server-Sent Events):
//   hello  {version}          on every (re)connection: a new version means we missed changes
//   reload {version, paths}   a rebuild succeeded; reload when this page or an asset changed
//   errors {version}          a rebuild failed: show the errors over the last good page
(function () {
  "use strict";
  var script = document.currentScript;
  var served = script ? script.getAttribute("data-kneeguide-path") : null;
  var version = null;
  var source = null;

  function here() {
    var path = location.pathname.replace(/^\//, "");
    try {
      path = decodeURIComponent(path);
    } catch (e) {
      // keep it encoded
    }
    if (path === "" || path.charAt(path.length - 1) === "/") path += "index.html";
    return path;
  }

  // This page, or anything a page loads (CSS, scripts, images, tree.json); not sitemap.xml and
  // the like. The error page shown before the first good build always reloads.
  function affected(paths) {
    if (document.body && document.body.classList.contains("kneeguide-error-page")) return true;
    for (var i = 0; i < paths.length; i++) {
      var path = paths[i];
      if (path === "*" || path === served || path === here()) return true;
      if (!/\.(html|xml|txt)$/.test(path)) return true;
    }
    return false;
  }

  function removeOverlay() {
    var overlay = document.getElementById("kneeguide-overlay");
    if (overlay) overlay.parentNode.removeChild(overlay);
  }

  function showOverlay() {
    fetch("/__kneeguide/overlay", { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (!html) return;
        if (!document.querySelector("link[data-kneeguide-overlay]")) {
          var link = document.createElement("link");
          link.rel = "stylesheet";
          link.href = "/__kneeguide/overlay.css";
          link.setAttribute("data-kneeguide-overlay", "");
          document.head.appendChild(link);
        }
        removeOverlay();
        var template = document.createElement("template");
        template.innerHTML = html;
        document.body.appendChild(template.content);
      })
      .catch(function () {});
  }

  function data(event) {
    var parsed = JSON.parse(event.data);
    version = parsed.version;
    return parsed;
  }

  function connect() {
    if (source) return;
    source = new EventSource("/__kneeguide/events");
    source.addEventListener("hello", function (event) {
      var before = version;
      data(event);
      if (before !== null && before !== version) location.reload();
    });
    source.addEventListener("reload", function (event) {
      var paths = data(event).paths;
      removeOverlay();
      if (affected(paths)) location.reload();
    });
    source.addEventListener("errors", function (event) {
      data(event);
      showOverlay();
    });
  }

  function disconnect() {
    if (source) {
      source.close();
      source = null;
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-kneeguide-close]")) removeOverlay();
  });
  // Browsers allow only a few connections per server: hidden tabs let theirs go, and catch up
  // through `hello` when they are shown again.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) disconnect();
    else connect();
  });
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", function () {
    if (!document.hidden) connect();
  });
  if (!document.hidden) connect();
})();
