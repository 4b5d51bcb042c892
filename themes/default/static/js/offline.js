// Registers the site's service worker (sw.js at the site root), which keeps the whole guide,
// decision tree included, readable without a network after one visit. The site root is found
// from this script's own address (<root>js/offline.<hash>.js), so it works under any path.
// Nothing depends on it: without JavaScript or service workers, the site works online as before.
(function () {
  'use strict';
  if (!('serviceWorker' in navigator) || !document.currentScript) return;
  var root = new URL('../', document.currentScript.src);
  window.addEventListener('load', function () {
    navigator.serviceWorker.register(new URL('sw.js', root).href, { scope: root.href }).catch(function () {
      // No worker (kneeguide serve leaves it out, or the host blocks it): the site works online.
    });
  });
})();
