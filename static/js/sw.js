/* Grocer's service worker: keeps the last copy of each list page and the static files,
 * so a reload in a dead spot in the shop still shows the list (marked "offline copy").
 *
 * - List pages (/lists/<uuid>/): network first; a good answer refreshes the cache, and
 *   without network the cached copy is served.
 * - Static files (/static/): cache first (their names change with their content in
 *   production; in development a reload online refreshes them in the background).
 * - Everything else, and every non-GET request, goes to the network untouched: POSTs are
 *   never cached; offline changes are queued by offline.js, not here.
 * - Signing out (a POST to /accounts/logout/) clears every cache, so the next person on
 *   this phone cannot read the last family's lists.
 *
 * Served from /sw.js by grocer (not /static/) so its scope covers the whole site. */
"use strict";

var PAGES = "grocer-pages-v1";
var STATIC = "grocer-static-v1";
var LIST_PAGE = /^\/lists\/[0-9a-f-]{36}\/$/;

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "clear") {
    event.waitUntil(caches.delete(PAGES));
  }
});

function markOffline(response) {
  // Tell the page it is a stored copy: offline.js shows a banner for this attribute.
  return response.text().then(function (html) {
    var body = html.replace("<body", "<body data-offline-copy=\"true\"");
    return new Response(body, {
      status: 200,
      headers: { "Content-Type": "text/html; charset=utf-8" }
    });
  });
}

function listPage(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === "basic") {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request.url, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request.url);
    }).then(function (cached) {
      if (!cached) throw error;
      return markOffline(cached);
    });
  });
}

function staticFile(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (cached) {
      var network = fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
      if (cached) {
        network.catch(function () {}); // refresh quietly; the cached copy answers now
        return cached;
      }
      return network;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/accounts/logout/") {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") return;
  if (LIST_PAGE.test(url.pathname) && request.mode === "navigate") {
    event.respondWith(listPage(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(request));
  }
});

// --- Web Push: show what the server sent (lists/notifications.py, families/push.py) ----------------

self.addEventListener("push", function (event) {
  var message = {};
  try { message = event.data ? event.data.json() : {}; } catch (e) { message = {}; }
  event.waitUntil(self.registration.showNotification(message.title || "Grocer", {
    body: message.body || "",
    tag: message.tag,
    data: { url: message.url || "/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.openWindow(url));
});
