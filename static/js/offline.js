/* Offline in the shop: the list page keeps taking changes without network.
 *
 * While offline (or when a request fails with a network error) each add, check and edit
 * is stored in IndexedDB with an idempotency key, shown at once as pending ("Waiting
 * for connection"), and replayed in order to /lists/<id>/sync/ when the connection
 * returns and on every page load. The server applies each key once (lists/sync.py), so
 * a replay whose first answer was lost is harmless. A change the server refuses (the
 * item was deleted, or someone changed it meanwhile) is shown plainly in the
 * "Not saved" box with the current value: never silently dropped.
 *
 * Also registers the service worker (/sw.js) that keeps the last copy of the page. */
(function () {
  "use strict";

  // Django's JavaScript catalog (grocer/i18n.py; base.html loads it before this file);
  // English if it did not load.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }

  var root = document.getElementById("grocery-list");
  if (!root || !root.dataset.listId || !("indexedDB" in window)) return;

  var listId = root.dataset.listId;
  var DB_NAME = "grocer-offline";
  var STORE = "changes";
  var NEXT_STATUS = { needed: "in_cart", in_cart: "purchased", purchased: "needed" };
  var STATUS_LABEL = {
    needed: gettext("needed"), in_cart: gettext("in the cart"), purchased: gettext("purchased")
  };
  var replaying = false;

  // --- the queue (IndexedDB; `order` is auto-incremented, so reading it back is FIFO) ---

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "order", autoIncrement: true });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function tx(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { resolve(result && result.result); };
        transaction.onerror = function () { reject(transaction.error); };
      });
    });
  }

  function enqueue(change) {
    return tx("readwrite", function (store) { return store.add(change); });
  }

  function queued() {
    return tx("readonly", function (store) { return store.getAll(); });
  }

  function forget(order) {
    return tx("readwrite", function (store) { return store.delete(order); });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  // --- status line and the "Not saved" box ------------------------------------------------

  var status = document.createElement("div");
  status.id = "offline-status";
  status.className = "offline-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  var problems = document.createElement("section");
  problems.id = "offline-conflicts";
  problems.className = "offline-conflicts";
  problems.setAttribute("aria-labelledby", "offline-conflicts-heading");
  problems.hidden = true;
  problems.innerHTML = '<h2 id="offline-conflicts-heading"></h2><ul role="list"></ul>';
  problems.querySelector("h2").textContent = gettext("Not saved");
  var header = root.querySelector(".list-header");
  (header || root.firstChild).after(status, problems);

  if (document.body.dataset.offlineCopy) {
    var banner = document.createElement("p");
    banner.className = "offline-copy banner";
    banner.textContent = gettext("Offline copy: this is the list as it was when you last had a " +
      "connection. Changes you make are kept and sent when you are back online.");
    status.before(banner);
  }

  function say(text) { status.textContent = text; }

  function showProblem(messages, current) {
    var entry = document.createElement("li");
    var text = document.createElement("p");
    text.textContent = messages.join(" ");
    entry.appendChild(text);
    if (current && current.name) {
      var now = document.createElement("p");
      now.className = "current-value";
      now.textContent = interpolate(gettext("Now: %(item)s, %(status)s."), {
        item: current.name + (current.quantity_text ? " (" + current.quantity_text + ")" : ""),
        status: STATUS_LABEL[current.status] || current.status
      }, true);
      entry.appendChild(now);
    }
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "secondary";
    dismiss.textContent = gettext("OK");
    dismiss.addEventListener("click", function () {
      entry.remove();
      problems.hidden = !problems.querySelector("li");
    });
    entry.appendChild(dismiss);
    problems.querySelector("ul").appendChild(entry);
    problems.hidden = false;
  }

  function refreshSummary() {
    return queued().then(function (changes) {
      var mine = changes.filter(function (c) { return c.listId === listId; }).length;
      root.dataset.pending = String(mine);
      if (mine) {
        say(interpolate(navigator.onLine
          ? ngettext("Sending %(count)s change waiting for connection.",
            "Sending %(count)s changes waiting for connection.", mine)
          : ngettext("Offline: %(count)s change waiting for connection.",
            "Offline: %(count)s changes waiting for connection.", mine), { count: mine }, true));
      }
      return mine;
    });
  }

  // --- drawing pending changes --------------------------------------------------------

  function badge() {
    var span = document.createElement("span");
    span.className = "pending-badge";
    span.textContent = gettext("Waiting for connection");
    return span;
  }

  function markPending(row) {
    if (!row) return;
    row.classList.add("pending");
    var main = row.querySelector(".item-main") || row;
    if (!main.querySelector(".pending-badge")) main.appendChild(badge());
  }

  function category() {
    return document.getElementById("category-other") || root.querySelector("ul.items");
  }

  function drawAdd(change) {
    if (document.getElementById("pending-" + change.key)) return;
    var list = category();
    if (!list) return;
    var row = document.createElement("li");
    row.id = "pending-" + change.key;
    row.className = "item pending status-needed";
    row.dataset.status = "needed";
    var main = document.createElement("div");
    main.className = "item-main";
    var name = document.createElement("span");
    name.className = "item-name";
    name.textContent = change.fields.text;
    main.append(name, " ", badge());
    row.appendChild(main);
    list.appendChild(row); // rows.js shows its heading and counts it
  }

  function drawStatus(change) {
    var row = document.getElementById("item-" + change.itemId);
    if (!row) return;
    var target = change.fields.status;
    row.classList.remove("status-needed", "status-in_cart", "status-purchased");
    row.classList.add("status-" + target);
    row.dataset.status = target;
    // The next tap offline continues from here: needed → in cart → purchased.
    var next = row.querySelector("form.item-check input[name=status]");
    if (next) next.value = NEXT_STATUS[target];
    row.querySelectorAll(".segmented button[name=status]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.value === target));
    });
    markPending(row);
  }

  function drawEdit(change) {
    var row = document.getElementById("item-" + change.itemId);
    if (!row) return;
    var plain = document.createElement("li");
    plain.id = row.id;
    plain.className = "item pending status-" + (row.dataset.status || "needed");
    plain.dataset.status = row.dataset.status || "needed";
    plain.dataset.version = row.dataset.version || "0";
    var main = document.createElement("div");
    main.className = "item-main";
    var name = document.createElement("span");
    name.className = "item-name";
    name.textContent = change.fields.name;
    main.appendChild(name);
    if (change.fields.quantity_text) {
      var qty = document.createElement("span");
      qty.className = "item-qty";
      qty.textContent = change.fields.quantity_text;
      main.append(" ", qty);
    }
    main.append(" ", badge());
    plain.appendChild(main);
    row.replaceWith(plain);
  }

  function draw(change) {
    if (change.listId !== listId) return;
    if (change.kind === "add") drawAdd(change);
    else if (change.kind === "status") drawStatus(change);
    else drawEdit(change);
  }

  // --- turning a form into a queued change -------------------------------------------------

  function changeFrom(form, submitter, sameKey) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    if (form.id === "add-form" || form.id === "bulk-add-form") {
      // A pasted list is one change: the server adds each line (lists.sync).
      var text = (data.get("text") || "").trim();
      if (!text) return null;
      // A fresh key unless retrying a request that may have arrived: the form's key may
      // come from an offline copy of the page and have been used already.
      var key = (sameKey && data.get("idempotency_key")) || newKey();
      return { kind: "add", key: key, fields: { text: text } };
    }
    var row = form.closest("li.item[id^='item-']");
    if (!row) return null;
    var itemId = row.id.slice(5);
    if (form.matches(".item-check, .status-control")) {
      return {
        kind: "status", key: newKey(), itemId: itemId,
        fields: { status: data.get("status") },
        base: { status: row.dataset.status }
      };
    }
    if (form.matches(".item-edit")) {
      var fields = {}, base = {};
      ["name", "quantity_text", "note", "category"].forEach(function (name) {
        if (data.has(name)) fields[name] = data.get(name);
        if (data.has("base_" + name)) base[name] = data.get("base_" + name);
      });
      return { kind: "edit", key: newKey(), itemId: itemId, fields: fields, base: base };
    }
    return null;
  }

  function queueFrom(form, submitter, sameKey) {
    var change = changeFrom(form, submitter, sameKey);
    if (!change) return false;
    change.listId = listId;
    change.at = Date.now();
    enqueue(change).then(function () {
      draw(change);
      if (change.kind === "add") {
        var box = document.getElementById(form.id === "bulk-add-form" ? "bulk-text" : "add-text");
        if (box) { box.value = ""; box.focus(); }
        var key = form.querySelector("input[name=idempotency_key]");
        if (key) key.value = newKey(); // the next add is a different change
      }
      return refreshSummary();
    }).catch(function () {
      say(gettext("Could not store the change on this device. Try again when you are online."));
    });
    return true;
  }

  var HANDLED = "#add-form, #bulk-add-form, form.item-check, form.status-control, form.item-edit";

  // Capture phase: runs before htmx's own submit listener on the form, so an offline
  // submit never becomes a failing request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (navigator.onLine || !form.matches || !form.matches(HANDLED)) return;
    if (queueFrom(form, event.submitter)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // Online as far as the browser knows, but the request never reached the server.
  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail.requestConfig || {};
    if (String(config.verb || "").toLowerCase() !== "post") return; // e.g. suggestions
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    // The failed request may have reached the server: replay it under the same key.
    if (form && form.matches(HANDLED)) queueFrom(form, null, true);
  });

  // --- replay ---------------------------------------------------------------------

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  function freshRow(itemId) {
    // The server's own row (the same partial as everywhere), replacing the pending one.
    return fetch("/lists/" + listId + "/items/" + itemId + "/", {
      headers: { "HX-Request": "true" }, credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (!html) return null;
      var template = document.createElement("template");
      template.innerHTML = html.trim();
      return template.content.querySelector("li.item");
    }).catch(function () { return null; });
  }

  // The server's row replaces its pending copy (or the row of the same id): rows.js
  // puts it in its category and keeps focus; headings and counts follow from there.
  function place(row, pendingId) {
    var pending = pendingId && document.getElementById(pendingId);
    var existing = document.getElementById(row.id);
    if (existing && pending && existing !== pending) pending.remove();
    var old = existing || pending;
    if (window.GrocerRows) {
      window.GrocerRows.place(row, { replaces: old || undefined });
      return;
    }
    if (old) old.replaceWith(row);
  }

  function settle(change, answer) {
    var result = answer.outcome === "duplicate" ? Object.assign({}, answer,
      { outcome: answer.first_outcome }) : answer;
    var pendingId = change.kind === "add" ? "pending-" + change.key : null;
    if (result.outcome === "conflict") {
      showProblem(result.messages || [gettext("This change could not be saved.")], result.current);
      if (pendingId) {
        var pending = document.getElementById(pendingId);
        if (pending) pending.remove();
      }
    }
    if (change.listId !== listId) return Promise.resolve();
    var itemId = result.item_id || change.itemId;
    if (!itemId) return Promise.resolve();
    return freshRow(itemId).then(function (row) {
      if (row) {
        place(row, pendingId);
      } else {
        // The item is gone (deleted): nothing pending may linger.
        var stale = document.getElementById("item-" + itemId);
        if (stale && stale.classList.contains("pending")) stale.remove();
      }
    });
  }

  function send(change) {
    return fetch("/lists/" + change.listId + "/sync/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({
        key: change.key, kind: change.kind, item_id: change.itemId || null,
        fields: change.fields || {}, base: change.base || {}
      })
    });
  }

  function replay() {
    if (replaying || !navigator.onLine) return Promise.resolve();
    replaying = true;
    var sent = 0;
    function next(changes) {
      if (!changes.length) return Promise.resolve(true);
      var change = changes[0];
      return send(change).then(function (response) {
        if (response.status === 200) {
          return response.json().then(function (answer) {
            sent += 1;
            return forget(change.order).then(function () { return settle(change, answer); });
          }).then(function () { return next(changes.slice(1)); });
        }
        if (response.status === 400 || response.status === 404) {
          // Refused for good (bad input, or the list is gone): say so, then move on.
          return response.json().catch(function () { return {}; }).then(function (body) {
            var what = change.fields && (change.fields.text || change.fields.name);
            showProblem([interpolate(what
              ? gettext("%(item)s could not be saved: %(reason)s")
              : gettext("A change could not be saved: %(reason)s"), {
              item: what,
              reason: body.error || gettext("this list is no longer available.")
            }, true)]);
            var pending = document.getElementById("pending-" + change.key);
            if (pending) pending.remove();
            return forget(change.order);
          }).then(function () { return next(changes.slice(1)); });
        }
        // Signed out, server trouble: keep everything, in order, for the next try.
        say(interpolate(gettext("Could not send your changes yet (the server answered " +
          "%(status)s). They are kept on this device."), { status: response.status }, true));
        return false;
      });
    }
    return queued().then(function (changes) {
      changes.sort(function (a, b) { return a.order - b.order; });
      return next(changes);
    }).then(function (done) {
      replaying = false;
      return refreshSummary().then(function (left) {
        if (done && sent && !left) {
          say(interpolate(ngettext("Your offline change was saved.",
            "Your %(count)s offline changes were saved.", sent), { count: sent }, true));
          root.dataset.synced = String(sent);
        }
      });
    }, function () {
      replaying = false; // network error mid-way: the rest waits for the next "online"
      return refreshSummary();
    });
  }

  window.addEventListener("online", function () { replay(); });
  window.addEventListener("offline", function () {
    say(gettext("You are offline. Changes are kept on this device and sent when you are back."));
  });

  // On load: draw what is still waiting (a reload in a dead spot), then try to send it.
  queued().then(function (changes) {
    changes.sort(function (a, b) { return a.order - b.order; });
    changes.forEach(draw);
    return refreshSummary();
  }).then(function () {
    root.dataset.offlineReady = "true";
    return replay();
  });
})();
