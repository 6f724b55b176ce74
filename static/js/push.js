/* Notification settings: sign this browser up for Web Push (or off again).
 * The VAPID public key comes from the page (data-vapid-key); the subscription is posted
 * as JSON to data-endpoint. Without a key, or without Push API support, nothing shows. */
(function () {
  "use strict";

  // Django's JavaScript catalog (grocer/i18n.py; base.html loads it before this file);
  // English if it did not load.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  var panel = document.getElementById("push-panel");
  var on = document.getElementById("push-subscribe");
  var off = document.getElementById("push-unsubscribe");
  var status = document.getElementById("push-status");
  if (!panel || !on || !panel.dataset.vapidKey) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    status.textContent = gettext("This browser cannot receive push notifications.");
    return;
  }

  function keyBytes(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  function post(body) {
    return fetch(panel.dataset.endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error(interpolate(gettext("The server answered %(status)s"), { status: response.status }, true));
      return response.json();
    });
  }

  function show(subscribed) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
  }

  var ready = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  });

  ready.then(function (registration) {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) { show(!!subscription); })
    .catch(function () { show(false); });

  on.addEventListener("click", function () {
    on.disabled = true;
    status.textContent = gettext("Asking your browser…");
    ready.then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(panel.dataset.vapidKey)
      });
    }).then(function (subscription) {
      return post(subscription.toJSON());
    }).then(function () {
      show(true);
      status.textContent = gettext("Notifications are on for this device.");
    }).catch(function (error) {
      status.textContent = interpolate(gettext("Could not turn notifications on: %(reason)s"),
        { reason: error.message || error }, true);
    }).then(function () { on.disabled = false; });
  });

  off.addEventListener("click", function () {
    ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return post({ endpoint: endpoint, unsubscribe: true });
      });
    }).then(function () {
      show(false);
      status.textContent = gettext("Notifications are off for this device.");
    }).catch(function (error) {
      status.textContent = interpolate(gettext("Could not turn notifications off: %(reason)s"),
        { reason: error.message || error }, true);
    });
  });
})();
