// Decision tree: moves between steps in place. Only an enhancement: every step is a real static
// page and every answer a real link, so without this script (or when anything fails) the browser
// simply follows the link. With it, the next step's page is fetched and its [data-dt-page] and
// [data-dt-nav] parts are swapped in; the URL and history follow the static pages (pushState /
// popstate), focus moves to the new <h1> and document.title is updated for screen readers.
(function () {
  'use strict';

  if (!window.fetch || !window.DOMParser || !window.history || !history.pushState) return;
  if (location.protocol === 'file:') return; // fetch() of local files is blocked: plain links work

  var PAGE = '[data-dt-page]';
  var NAV = '[data-dt-nav]';
  var SWITCHER = '[data-language-switcher]';
  var ALTERNATE = 'link[rel="alternate"][hreflang]';
  var current = location.pathname;

  // The head's icons and manifest have relative addresses; browsers look icons up again when
  // pushState changes the URL, which would resolve them against a deeper folder. Pin them to
  // the addresses they have now.
  Array.prototype.forEach.call(document.querySelectorAll('link[rel~="icon"], link[rel="apple-touch-icon"], link[rel="manifest"]'), function (link) {
    link.setAttribute('href', link.href);
  });
  var pending = null;

  function page() {
    return document.querySelector(PAGE);
  }

  // Absolute URL of the tree's folder (decision-tree/), from the page's own relative prefix.
  function treeRoot() {
    var el = page();
    var root = el && el.getAttribute('data-dt-root');
    return root ? new URL(root, location.href).href : null;
  }

  // A link to another page of the tree (not a cause page, not tree.json, not a phone number).
  function isTreeLink(link) {
    var root = treeRoot();
    if (!root || !link.href || link.target || link.hasAttribute('download')) return false;
    if (link.hasAttribute('data-dt-ignore') || link.hasAttribute('data-dt-cause')) return false;
    var url = new URL(link.href, location.href);
    if (url.origin !== location.origin) return false;
    if (url.pathname === location.pathname && url.hash) return false; // in-page anchor
    return url.href.indexOf(root) === 0 && /\/$/.test(url.pathname);
  }

  function swap(doc) {
    var next = doc.querySelector(PAGE);
    var here = page();
    if (!next || !here) return false;
    here.replaceWith(document.importNode(next, true));
    var nav = document.querySelector(NAV);
    var nextNav = doc.querySelector(NAV);
    if (nav && nextNav) nav.replaceWith(document.importNode(nextNav, true));
    // The language switcher and the head's hreflang links point at this step in each language.
    var switcher = document.querySelector(SWITCHER);
    var nextSwitcher = doc.querySelector(SWITCHER);
    if (switcher && nextSwitcher) switcher.replaceWith(document.importNode(nextSwitcher, true));
    Array.prototype.forEach.call(document.querySelectorAll(ALTERNATE), function (link) {
      var next = doc.querySelector('link[rel="alternate"][hreflang="' + link.getAttribute('hreflang') + '"]');
      if (next) link.href = next.href;
    });
    document.title = doc.title;
    var canonical = document.querySelector('link[rel="canonical"]');
    var nextCanonical = doc.querySelector('link[rel="canonical"]');
    if (canonical && nextCanonical) canonical.href = nextCanonical.href;
    var heading = page().querySelector('h1');
    if (heading) {
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
    window.scrollTo(0, 0);
    return true;
  }

  // Loads `href` and shows it in place; `push` adds a history entry (false for Back/Forward).
  function go(href, push) {
    var token = {};
    pending = token;
    return fetch(href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (html) {
        if (pending !== token) return; // a later click won
        var doc = new DOMParser().parseFromString(html, 'text/html');
        if (!doc.querySelector(PAGE)) throw new Error('not a decision-tree page');
        // Change the URL first: the new content's relative links resolve against it.
        if (push) history.pushState({ dt: true }, '', href);
        current = location.pathname;
        if (!swap(doc)) throw new Error('cannot swap');
      });
  }

  document.addEventListener('click', function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest && event.target.closest('a[href]');
    if (!link || !isTreeLink(link)) return;
    event.preventDefault();
    var href = link.href;
    go(href, true).catch(function () {
      location.href = href;
    });
  });

  window.addEventListener('popstate', function () {
    if (location.pathname === current) return; // only the #fragment changed
    go(location.href, false).catch(function () {
      location.reload();
    });
  });
})();
