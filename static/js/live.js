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
  if (!root || !root.dataset.listId || !("WebSocket" in window)) return;

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

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function processHtmx(element) {
    if (window.htmx && element) window.htmx.process(element);
  }

  function isTyping(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/i.test(element.type)) ||
      element.isContentEditable;
  }

  function focusables(element) {
    return element.querySelectorAll("a[href], button, input, select, textarea, [tabindex]");
  }

  function container(category) {
    return document.getElementById("category-" + category) ||
      root.querySelector("ul.items[data-category='other']") ||
      root.querySelector("ul.items");
  }

  // A category (heading and list) shows only while it has items; the page-wide
  // "nothing on this list yet" note only while none has.
  function section(list) {
    return (list && list.closest(".category")) || list;
  }

  function refreshEmpty(list) {
    if (list && !list.querySelector(".item")) section(list).hidden = true;
    var note = root.querySelector(".empty-list");
    if (note) note.hidden = !!root.querySelector("ul.items .item");
  }

  function reveal(list) {
    list.hidden = false;
    section(list).hidden = false;
    refreshEmpty(null);
  }

  function replaceRow(old, row) {
    // Keep the row's menu open if the viewer had it open.
    var menu = old.querySelector("details[open]");
    if (menu && menu.className) {
      var twin = row.querySelector("details." + menu.className.split(" ")[0]);
      if (twin) twin.open = true;
    }
    var active = document.activeElement;
    var focusIndex = -1;
    if (active && old.contains(active)) {
      focusIndex = Array.prototype.indexOf.call(focusables(old), active);
    }
    old.replaceWith(row);
    processHtmx(row);
    if (focusIndex >= 0) {
      var target = focusables(row)[focusIndex] || row.querySelector("button, input, a[href]");
      if (target) target.focus({ preventScroll: true });
    }
  }

  function placeRow(row, category) {
    var old = document.getElementById(row.id);
    var target = container(category || row.dataset.category);
    if (old && old.classList.contains("editing")) {
      // Their open edit form stays; saving it merges with this change (item_update).
      return;
    }
    if (old && document.activeElement && old.contains(document.activeElement) &&
        isTyping(document.activeElement)) {
      // Never pull the field out from under someone typing: apply when they leave it.
      old.addEventListener("focusout", function later() {
        old.removeEventListener("focusout", later);
        setTimeout(function () {
          if (document.body.contains(old)) placeRow(row, category);
        }, 0);
      });
      return;
    }
    var inCartSection = old && old.parentNode && old.parentNode.hasAttribute("data-done");
    if (inCartSection && row.dataset.status !== "needed") {
      // Shopping at a store: checked rows wait in "In the cart" (lists/detail.html).
      replaceRow(old, row);
      return;
    }
    if (old && target && old.parentNode !== target) { // moved to another category
      var from = old.parentNode;
      var hadFocus = old.contains(document.activeElement);
      old.remove();
      refreshEmpty(from);
      target.appendChild(row);
      reveal(target);
      processHtmx(row);
      if (hadFocus && focusables(row)[0]) focusables(row)[0].focus({ preventScroll: true });
      return;
    }
    if (old) {
      replaceRow(old, row);
    } else if (target) {
      target.appendChild(row);
      reveal(target);
      processHtmx(row);
    }
  }

  function removeRow(itemId) {
    var row = document.getElementById("item-" + itemId);
    if (!row) return;
    var hadFocus = document.activeElement && row.contains(document.activeElement);
    var next = row.nextElementSibling || row.previousElementSibling;
    var list = row.parentNode;
    row.remove();
    refreshEmpty(list);
    if (hadFocus) {
      var target = next && focusables(next)[0];
      (target || document.getElementById("main") || root).focus({ preventScroll: true });
    }
  }

  // The header's "3 needed · 1 in cart" counts, recomputed from the rows on the page.
  function refreshCounts() {
    ["needed", "in_cart", "purchased"].forEach(function (status) {
      var count = root.querySelector(".count-" + status + " strong");
      if (count) {
        count.textContent = String(
          root.querySelectorAll("ul.items .item[data-status='" + status + "']").length);
      }
    });
  }

  function addActivity(html) {
    var feed = document.getElementById("activity");
    if (!feed || !html) return;
    var entry = fragment(html);
    if (!entry || (entry.id && document.getElementById(entry.id))) return;
    feed.insertBefore(entry, feed.firstChild);
    processHtmx(entry);
  }

  // --- which change each row on the page already shows ---------------------------------
  //
  // The page's own htmx answer and the push of the same change race, and so do the
  // answer to a second click and the push of the first. An answer carries the list's
  // seq it is at least as new as (X-List-Seq, see lists.access): a push of an older
  // event must not change what the answer put on the page (bring a restored row back
  // out, show an unchecked item as checked again, move focus away from it).
  var shownSeq = {}; // item id -> the seq its row (or its absence) shows at least
  var areaSeq = lastSeq; // the seq every row shows at least (the page, a whole-area swap)
  var answered = typeof WeakSet === "function" ? new WeakSet() : null;

  function seqShown(itemId) {
    return Math.max(areaSeq, shownSeq[itemId] || 0);
  }

  function markShown(itemId, seq) {
    if (itemId && seq > (shownSeq[itemId] || 0)) shownSeq[itemId] = seq;
  }

  function noteAnswer(event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || (answered && answered.has(xhr))) return;
    if (answered) answered.add(xhr);
    var seq = parseInt(xhr.getResponseHeader("X-List-Seq") || "", 10);
    if (!seq) return;
    var text = xhr.responseText || "";
    if (/\bid="categories"/.test(text)) areaSeq = Math.max(areaSeq, seq);
    var ids = /\bid="item-([0-9a-f-]{36})"/g;
    var match;
    while ((match = ids.exec(text))) markShown(match[1], seq);
  }
  // Swaps (main and out of band) and this run in one task: no push can come between.
  document.addEventListener("htmx:afterSwap", noteAnswer);
  document.addEventListener("htmx:oobAfterSwap", noteAnswer);

  function render(message) {
    var type = message.event_type;
    var fresh = function (itemId) { return itemId && message.seq > seqShown(itemId); };
    if (type === "item.deleted") {
      if (fresh(message.item_id)) removeRow(message.item_id);
    } else if (type === "items.cleared") {
      (message.payload.item_ids || []).forEach(function (itemId) {
        if (fresh(itemId)) removeRow(itemId);
        markShown(itemId, message.seq);
      });
    } else if (type.indexOf("item.") === 0) {
      if (!fresh(message.item_id)) { /* the page already shows this change or a newer one */ }
      else if (message.html) placeRow(fragment(message.html), message.category);
      else if (message.item_id) removeRow(message.item_id);
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
    markShown(message.item_id, message.seq);
    refreshCounts();
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

  // The page's own htmx response and the push of the same change race: whichever comes
  // second may add a row that is already there. Keep the newest copy of each row.
  function dedupeRows() {
    var seen = {};
    root.querySelectorAll("ul.items > li.item[id]").forEach(function (row) {
      var other = seen[row.id];
      if (!other) { seen[row.id] = row; return; }
      var older = (parseInt(other.dataset.version, 10) || 0) >
        (parseInt(row.dataset.version, 10) || 0) ? row : other;
      seen[row.id] = older === row ? other : row;
      var list = older.parentNode;
      older.remove();
      refreshEmpty(list);
    });
  }
  document.addEventListener("htmx:afterSettle", dedupeRows);
  document.addEventListener("htmx:oobAfterSwap", dedupeRows);

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
