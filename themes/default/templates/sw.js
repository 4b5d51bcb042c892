{#- The service worker: kneeguide renders it after every other file, with `precache.urls` (every
    page and asset the build wrote, relative to the site root) and `precache.version` (a hash of
    all their bytes). Written as sw.js at the site root; offline.js registers it. -#}
// kneeguide offline reading, site version {{ precache.version }}.
// Install: the whole site goes into a new cache; if any file fails, the install fails and the
// previous version keeps serving (one complete cache or the other, never a mix).
// Pages: the network first, so an online reader always gets the newest advice; the cache when
// the network fails or takes more than a few seconds (poor signal). Everything else (CSS, JS and
// icons with hashed or fixed names): the cache first.
'use strict';

var CACHE = 'kneeguide-{{ precache.version }}';
var URLS = {{ precache.urls | json_ld | safe }};
var PAGE_TIMEOUT_MS = 4000;
var scope = self.registration.scope;

self.addEventListener('install', function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(URLS.map(function (url) { return new Request(scope + url, { cache: 'reload' }); }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf('kneeguide-') === 0 && key !== CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function fromCache(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true });
  });
}

function pageFirstFromNetwork(request) {
  return new Promise(function (resolve) {
    var settled = false;
    function settle(response) {
      if (!settled && response) { settled = true; resolve(response); }
    }
    var timer = setTimeout(function () { fromCache(request).then(settle); }, PAGE_TIMEOUT_MS);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      settle(response);
    }, function () {
      clearTimeout(timer);
      fromCache(request).then(function (cached) {
        settle(cached || Response.error());
      });
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET' || request.url.indexOf(scope) !== 0) return;
  // Pages are folders (causes/dvt/) or .html files; the decision tree's script fetches them too.
  var path = new URL(request.url).pathname;
  var isPage = request.mode === 'navigate' || /\/$|\.html$/.test(path);
  if (isPage) {
    event.respondWith(pageFirstFromNetwork(request));
  } else {
    event.respondWith(fromCache(request).then(function (cached) { return cached || fetch(request); }));
  }
});
