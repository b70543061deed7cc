// The customer page's service worker (scope /v/). The page puts its own shell and assets in
// the cache below once it has loaded (customer.js, keepOffline); this worker answers from the
// network when it can and from that cache when it cannot, so a voucher page opened once still
// renders offline (its state and QR code come from localStorage). API answers are never
// cached: they carry the holder's token.
"use strict";
var CACHE = "ascc-pages-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function cacheable(url) {
  return /^\/v\/[A-Za-z0-9_-]+$/.test(url.pathname) || /^\/assets\/[a-z-]+\.(js|css)$/.test(url.pathname);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !cacheable(url)) return;
  var key = url.origin + url.pathname;  // never the fragment, never a query
  event.respondWith(fetch(request).catch(function () {
    return caches.open(CACHE).then(function (cache) { return cache.match(key); })
      .then(function (hit) { return hit || Response.error(); });
  }));
});
