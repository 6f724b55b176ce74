/* The life of a row on the list page (lists/detail.html#item-row), in one place.
 *
 * Rows change three ways: the page's own htmx answers, pushes (live.js) and offline
 * changes (offline.js). Whoever changes them, this module
 *   - places, replaces, moves and removes rows (window.GrocerRows: live.js and
 *     offline.js call it), keeping focus, an open menu and a field being typed in;
 *   - knows which change each row shows, so an older push never undoes a newer answer;
 *   - keeps the counts, the category headings and the "nothing yet" note right, from a
 *     MutationObserver that looks only at the rows that changed (no scan of every row
 *     per change: a 1,000-item list stays cheap to update);
 *   - puts focus back where the person was after Undo, an edit, a swap.
 *
 * With JavaScript off none of this runs: every action is a form post. */
(function () {
  "use strict";

  var root = document.getElementById("grocery-list");
  if (!root || !root.dataset.listId) return;

  var STATUSES = ["needed", "in_cart", "purchased"];

  // --- small helpers ------------------------------------------------------------------

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
    return element.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]");
  }

  function isRow(node) {
    return node.nodeType === 1 && node.matches("li.item");
  }

  function container(category) {
    return document.getElementById("category-" + category) ||
      root.querySelector("ul.items[data-category='other']") ||
      root.querySelector("ul.items");
  }

  // --- which change each row shows ------------------------------------------------------
  //
  // The page's own htmx answer and the push of the same change race, and so do the
  // answer to a second click and the push of the first. An answer carries the list's
  // seq it is at least as new as (X-List-Seq, see lists.access): a push of an older
  // event must not change what the answer put on the page (bring a restored row back
  // out, show an unchecked item as checked again, move focus away from it).
  var shownSeq = {}; // item id -> the seq its row (or its absence) shows at least
  var areaSeq = parseInt(root.dataset.lastSeq || "0", 10) || 0; // every row shows this
  var answered = new WeakSet();

  function isNewer(itemId, seq) {
    return !!itemId && seq > Math.max(areaSeq, shownSeq[itemId] || 0);
  }

  function markShown(itemId, seq) {
    if (itemId && seq > (shownSeq[itemId] || 0)) shownSeq[itemId] = seq;
  }

  function noteAnswer(event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || answered.has(xhr)) return;
    answered.add(xhr);
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

  // --- placing rows ---------------------------------------------------------------------

  function replaceRow(old, row) {
    // Keep the row's menu open (and loaded) if the viewer had it open.
    var menu = old.querySelector("details.item-menu[open]");
    var twin = menu && row.querySelector("details.item-menu");
    if (twin) twin.open = true;
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

  /* Put `row` (an <li id="item-…"> not yet on the page) where it belongs: over its old
   * copy, into its category, or nowhere while that copy is being edited or typed in. */
  function place(row, options) {
    options = options || {};
    var old = options.replaces || document.getElementById(row.id);
    var target = container(options.category || row.dataset.category);
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
          if (old.isConnected) place(row, options);
        }, 0);
      });
      return;
    }
    var inCartSection = old && old.parentNode && old.parentNode.hasAttribute("data-done");
    if (old && (!target || old.parentNode === target ||
                (inCartSection && row.dataset.status !== "needed"))) {
      // Same place (shopping at a store, checked rows wait in "In the cart").
      replaceRow(old, row);
      return;
    }
    if (!target) return;
    var hadFocus = old && old.contains(document.activeElement);
    if (old) old.remove();
    target.appendChild(row);
    processHtmx(row);
    if (hadFocus && focusables(row)[0]) focusables(row)[0].focus({ preventScroll: true });
  }

  function remove(itemId) {
    var row = document.getElementById("item-" + itemId);
    if (!row) return;
    var hadFocus = document.activeElement && row.contains(document.activeElement);
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    if (hadFocus) {
      var target = next && focusables(next)[0];
      (target || document.getElementById("main") || root).focus({ preventScroll: true });
    }
  }

  // The adder's own page may already have the new row: the push can arrive before the
  // htmx answer. Never append a second copy of a row.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragmentRoot = event.detail.fragment;
    if (!fragmentRoot || !fragmentRoot.querySelectorAll) return;
    // A row swapped over itself (a merged quantity, hx-swap-oob="true") replaces the
    // old copy: dropping it from the fragment would swap the row out for nothing.
    var target = event.detail.target;
    fragmentRoot.querySelectorAll("li.item[id]").forEach(function (row) {
      if (target && target.id === row.id) return;
      if (document.getElementById(row.id) && row.parentNode === fragmentRoot) row.remove();
    });
  });

  // --- counts, headings, the empty note: from the rows that changed ----------------------

  var counted = new WeakMap(); // row -> the status it is counted under
  var counts = {};
  var byId = {}; // row id -> the row counted for it (to drop a second copy)

  function countRow(row) {
    if (counted.has(row) || !row.isConnected || !row.closest("#categories")) return;
    var other = row.id && byId[row.id];
    if (other && other !== row && other.isConnected) {
      // Two copies (a push and an answer both added it): keep the newer one.
      var older = (parseInt(other.dataset.version, 10) || 0) >
        (parseInt(row.dataset.version, 10) || 0) ? row : other;
      older.remove(); // its own record uncounts it
      if (older === row) return;
    }
    if (row.id) byId[row.id] = row;
    var status = row.dataset.status;
    counted.set(row, status);
    if (status in counts) counts[status] += 1;
  }

  function uncountRow(row) {
    if (!counted.has(row)) return;
    var status = counted.get(row);
    counted.delete(row);
    if (status in counts) counts[status] -= 1;
    if (row.id && byId[row.id] === row) delete byId[row.id];
  }

  function syncList(list) {
    if (!list || !list.matches || !list.matches("ul.items")) return;
    var section = list.closest("section.category");
    if (section) section.hidden = !list.querySelector("li.item");
  }

  function render() {
    var total = 0;
    STATUSES.forEach(function (status) {
      total += counts[status];
      var number = root.querySelector("#list-counts .count-" + status + " strong");
      if (number && number.textContent !== String(counts[status])) {
        number.textContent = String(counts[status]);
      }
    });
    var empty = root.querySelector("#categories .empty-list");
    if (empty) empty.hidden = total > 0;
  }

  // Once at start and after a swap of the whole area (Undo, Clear purchased): O(rows).
  function scanAll() {
    counted = new WeakMap();
    byId = {};
    STATUSES.forEach(function (status) { counts[status] = 0; });
    var area = document.getElementById("categories");
    if (!area) return;
    area.querySelectorAll("li.item").forEach(countRow);
    area.querySelectorAll("ul.items[data-category]").forEach(syncList);
  }

  function onMutations(records) {
    var lists = new Set();
    var rescan = false;
    records.forEach(function (record) {
      if (record.type === "attributes") {
        if (isRow(record.target) && counted.has(record.target)) {
          uncountRow(record.target);
          countRow(record.target);
        }
        return;
      }
      lists.add(record.target);
      record.removedNodes.forEach(function (node) {
        if (isRow(node)) uncountRow(node);
        else if (node.nodeType === 1 && (node.id === "categories" || node.querySelector("li.item"))) rescan = true;
      });
      record.addedNodes.forEach(function (node) {
        if (isRow(node)) countRow(node);
        else if (node.nodeType === 1 && (node.id === "categories" || node.querySelector("li.item"))) rescan = true;
      });
    });
    if (rescan) scanAll();
    else lists.forEach(syncList);
    render();
  }

  // --- focus: after Undo, an edit, Save or Cancel -----------------------------------------
  //
  // htmx swaps the rows, and focus (on the Undo button or the Save button, both gone)
  // would drop to the body, sending the next Tab to the top. Undo puts focus on the
  // restored row's check button, Save or Cancel on the edited row's menu button, where
  // the person started. Tied to its request: other requests (a poll, a badge) settle in
  // between, and a push may put the row on the page before Undo's answer replaces it.
  var pendingFocus = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest) return;
    var undo = elt.closest(".toast form");
    if (undo) {
      var item = undo.querySelector("input[name=item]");
      pendingFocus = item ? { id: "item-" + item.value, control: ".check", xhr: event.detail.xhr } : null;
      return;
    }
    var editing = elt.closest("li.item.editing");
    if (editing) {
      pendingFocus = { id: editing.id, control: ".item-menu > summary", xhr: event.detail.xhr };
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!pendingFocus || event.detail.xhr !== pendingFocus.xhr) return;
    var row = document.getElementById(pendingFocus.id);
    // Still editing (a form error or a conflict): the form keeps focus until it is saved.
    if (!row || row.classList.contains("editing")) return;
    var control = row.querySelector(pendingFocus.control) || row.querySelector("button, summary");
    pendingFocus = null;
    if (control) control.focus();
  });

  // An edit form opening puts the cursor in its first field in the same task as the
  // swap (at settle, 20 ms on, the person may already be typing in another field).
  document.addEventListener("htmx:afterSwap", function (event) {
    var row = event.target;
    if (row && row.classList && row.classList.contains("editing") &&
        !row.contains(document.activeElement)) {
      var first = row.querySelector("input[type=text], textarea, select");
      if (first) first.focus();
    }
  });

  // --- the row's one form and its menu ----------------------------------------------------
  //
  // A row is kept light (lists/detail.html#item-row): one form posting to the status
  // URL (a + or - button adds its `direction`, which makes it a quantity step), with no
  // htmx attributes of its own; the target (the row) and the swap are inherited from
  // #categories, the CSRF token comes from <body hx-headers>. offline.js sees the
  // submit first (capture) when offline.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !window.htmx || !form.matches ||
        !form.matches("li.item > form.item-check")) return;
    event.preventDefault();
    var submitter = event.submitter;
    var values = {};
    if (submitter && submitter.name) values[submitter.name] = submitter.value;
    window.htmx.ajax("POST", form.action, { source: form, values: values });
  });

  // The menu (status, who gets it, edit, photo, delete) is loaded when it opens; its
  // link opens the same menu as a page without JavaScript.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!window.htmx || !menu.matches || !menu.matches("li.item details.item-menu") ||
        !menu.open) return;
    var panel = menu.querySelector(".menu-panel");
    var link = panel && !panel.dataset.loaded && panel.querySelector("a[data-menu]");
    if (!link) return;
    panel.dataset.loaded = "true";
    window.htmx.ajax("GET", link.getAttribute("href"),
      { source: panel, target: panel, swap: "innerHTML" });
  }, true);

  function start() {
    scanAll();
    render();
    new MutationObserver(onMutations).observe(root, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["data-status"]
    });
  }

  window.GrocerRows = {
    fragment: fragment,
    place: place,
    remove: remove,
    isNewer: isNewer,
    markShown: markShown,
    isTyping: isTyping
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
