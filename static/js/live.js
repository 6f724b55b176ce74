/* Live updates for the list page: swaps rows other people change, catches up after
 * any disconnect, shows who else is viewing. Protocol: see lists/consumers.py.
 *
 * The page works without this file (every action is a plain POST); this only keeps
 * an open page current. */
(function () {
  "use strict";

  // Django's JavaScript catalog (grocer/i18n.py; base.html loads it before this file);
  // English if it did not load.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  var root = document.getElementById("grocery-list");
  if (!root || !root.dataset.listId || !("WebSocket" in window) || !window.GrocerRows) return;

  // GROCER_LIVE_HEARTBEAT_SECONDS: every heartbeat re-joins the list's groups server-side.
  var HEARTBEAT_MS = (parseFloat(root.dataset.heartbeatSeconds) * 1000) || 20000;
  // An event that overtook another (two server processes) waits this long for the one
  // it skipped before the page asks for a catch-up.
  var GAP_WAIT_MS = 500;
  var BACKOFF_BASE_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var ANNOUNCE_MS = 6000;
  var STOP_CODES = {
    4401: gettext("You are signed out. Reload the page to sign in again."),
    4403: gettext("You no longer have access to this list."),
    4404: gettext("This list is no longer available.")
  };

  var listId = root.dataset.listId;
  var lastSeq = parseInt(root.dataset.lastSeq || "0", 10) || 0;
  var socket = null;
  var attempt = 0;
  var heartbeat = null;
  var retryTimer = null;
  // Set when the network comes back while an attempt is still in flight: if that attempt
  // fails, the next one goes at once instead of at the end of the backoff.
  var retrySoon = false;
  var catchingUp = false;
  var stopped = false;
  var wasPaused = false;
  var myId = null;
  var early = {}; // seq -> event that arrived before the one it follows
  var gapTimer = null;

  // --- status line: connection state and "Ana checked milk" ---------------------------

  var statusBox = document.getElementById("live-status");
  if (!statusBox) {
    statusBox = document.createElement("div");
    statusBox.id = "live-status";
    statusBox.setAttribute("role", "status");
    statusBox.setAttribute("aria-live", "polite");
    root.insertBefore(statusBox, root.firstChild);
  }
  statusBox.classList.add("live-status");
  var connectionLine = document.createElement("span");
  connectionLine.className = "live-connection";
  var announceLine = document.createElement("span");
  announceLine.className = "live-announce";
  statusBox.appendChild(connectionLine);
  statusBox.appendChild(announceLine);
  var announceTimer = null;

  function setState(state, text) {
    root.dataset.live = state;
    statusBox.dataset.state = state;
    connectionLine.textContent = text || "";
  }

  function announce(text) {
    if (!text) return;
    announceLine.textContent = text;
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () { announceLine.textContent = ""; }, ANNOUNCE_MS);
  }

  // --- presence --------------------------------------------------------------------

  var presenceBox = document.getElementById("presence");
  if (!presenceBox) {
    presenceBox = document.createElement("p");
    presenceBox.id = "presence";
    presenceBox.className = "presence";
    presenceBox.hidden = true;
    statusBox.parentNode.insertBefore(presenceBox, statusBox.nextSibling);
  }

  function showPresence(viewers) {
    var others = [];
    viewers.forEach(function (viewer) {
      if (viewer.you) myId = viewer.id;
      else others.push(viewer.name);
    });
    presenceBox.dataset.viewers = viewers.map(function (v) { return v.name; }).join(",");
    presenceBox.textContent = others.length
      ? interpolate(gettext("Also viewing: %(names)s"), { names: others.join(", ") }, true)
      : "";
    presenceBox.hidden = others.length === 0;
  }

  // --- applying events -------------------------------------------------------------

  var rows = window.GrocerRows; // static/js/rows.js: placing rows, what each one shows

  function processHtmx(element) {
    if (window.htmx && element) window.htmx.process(element);
  }

  function addActivity(html) {
    var feed = document.getElementById("activity");
    if (!feed || !html) return;
    var entry = rows.fragment(html);
    if (!entry || (entry.id && document.getElementById(entry.id))) return;
    feed.insertBefore(entry, feed.firstChild);
    processHtmx(entry);
  }

  function render(message) {
    var type = message.event_type;
    if (type === "item.deleted") {
      if (rows.isNewer(message.item_id, message.seq)) rows.remove(message.item_id);
    } else if (type === "items.cleared") {
      (message.payload.item_ids || []).forEach(function (itemId) {
        if (rows.isNewer(itemId, message.seq)) rows.remove(itemId);
        rows.markShown(itemId, message.seq);
      });
    } else if (type.indexOf("item.") === 0) {
      // Not newer: the page already shows this change or a later one (its own answer).
      if (rows.isNewer(message.item_id, message.seq)) {
        if (message.html) rows.place(rows.fragment(message.html), { category: message.category });
        else if (message.item_id) rows.remove(message.item_id);
      }
    } else if (type.indexOf("list.") === 0) {
      var name = message.payload && message.payload.name;
      var heading = root.querySelector("[data-list-name]") || root.querySelector("h1");
      if (type === "list.updated" && name && heading) {
        heading.textContent = name;
      } else {
        window.location.reload();
        return;
      }
    }
    rows.markShown(message.item_id, message.seq);
    addActivity(message.activity_html);
  }

  function apply(message) {
    render(message);
    lastSeq = message.seq;
    root.dataset.lastSeq = String(lastSeq);
    if (!catchingUp && message.actor_id !== myId) announce(message.summary);
  }

  // Behind `seq` (an early event, or the heartbeat's last seq): wait a moment for the
  // missing events in transit, then ask for whatever is still missing.
  function behind(seq) {
    if (seq <= lastSeq || gapTimer) return;
    gapTimer = setTimeout(function () {
      gapTimer = null;
      if (seq > lastSeq) requestCatchUp();
    }, GAP_WAIT_MS);
  }

  function onEvent(message) {
    if (message.seq <= lastSeq) return; // already rendered (replay overlap, own write)
    if (message.seq > lastSeq + 1) {
      early[message.seq] = message;
      behind(message.seq);
      return;
    }
    apply(message);
    while (early[lastSeq + 1]) {
      var next = early[lastSeq + 1];
      delete early[lastSeq + 1];
      apply(next);
    }
    Object.keys(early).forEach(function (seq) { if (+seq <= lastSeq) delete early[seq]; });
  }

  // --- the socket ------------------------------------------------------------------

  function send(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }

  function requestCatchUp() {
    if (catchingUp) return;
    catchingUp = true;
    send({ type: "catch_up", last_seq: lastSeq });
  }

  function onMessage(raw) {
    var message;
    try { message = JSON.parse(raw.data); } catch (e) { return; }
    if (message.type === "event") onEvent(message);
    else if (message.type === "heartbeat") {
      if (typeof message.seq === "number") behind(message.seq);
    } else if (message.type === "caught_up") {
      attempt = 0;
      retrySoon = false;
      catchingUp = false;
      early = {};
      if (wasPaused) announce(gettext("Live updates resumed."));
      wasPaused = false;
    } else if (message.type === "presence") showPresence(message.viewers);
    else if (message.type === "reload") window.location.reload();
  }

  function connect() {
    clearTimeout(retryTimer);
    if (stopped || (socket && socket.readyState <= WebSocket.OPEN)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/lists/" + listId + "/");
    socket.addEventListener("open", function () {
      // The backoff is not reset here: a server that accepts and then closes at once
      // (4503 while Redis or PostgreSQL is down) would be retried every second. Only a
      // completed catch-up proves the connection works (see "caught_up").
      setState("live", "");
      catchingUp = false;
      requestCatchUp();
      clearInterval(heartbeat);
      heartbeat = setInterval(function () { send({ type: "heartbeat" }); }, HEARTBEAT_MS);
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      clearInterval(heartbeat);
      socket = null;
      catchingUp = false;
      showPresence([]);
      if (STOP_CODES[event.code]) {
        stopped = true;
        setState("stopped", STOP_CODES[event.code]);
        return;
      }
      wasPaused = true;
      setState("paused", gettext("Live updates paused \u2014 reconnecting\u2026"));
      // Exponential backoff with jitter, so a restarted server is not stampeded.
      var ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * Math.pow(2, attempt));
      attempt += 1;
      var delay = retrySoon ? 0 : ceiling / 2 + Math.random() * ceiling / 2;
      retrySoon = false;
      retryTimer = setTimeout(connect, delay);
    });
  }

  // Back from sleep or offline: try now rather than at the end of the backoff. An attempt
  // already under way (perhaps accepted, about to be closed with 4503) is let finish; if
  // it fails, the retry is immediate (once per "online": this is no reconnect loop).
  window.addEventListener("online", function () {
    // The network is back: the backoff starts over (a failure from here on waits the
    // base delay again, then grows as usual).
    attempt = 0;
    if (socket && socket.readyState <= WebSocket.OPEN) {
      if (catchingUp || socket.readyState === WebSocket.CONNECTING) retrySoon = true;
      return;
    }
    connect();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    if (socket && socket.readyState === WebSocket.OPEN) requestCatchUp();
    else connect();
  });

  setState("connecting", "");
  connect();
})();
