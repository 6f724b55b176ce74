// List page behaviour that plain HTML cannot do. Everything here is an enhancement:
// with JavaScript off the forms post and the server redirects back.
(function () {
  "use strict";

  // A category section is hidden while its list is empty. Rows arrive and leave
  // through htmx swaps and real-time pushes, so watch the lists rather than every caller.
  function syncCategories(root) {
    var scope = root || document;
    var any = false;
    scope.querySelectorAll("ul.items[data-category]").forEach(function (ul) {
      var hasItems = ul.querySelector("li.item") !== null;
      var section = ul.closest("section.category");
      if (section) section.hidden = !hasItems;
      any = any || hasItems;
    });
    var empty = document.querySelector("#categories .empty-list");
    if (empty) empty.hidden = any;
    recount();
  }

  // The counts follow the rows on the page, whoever changed them (this page's own
  // answers, or rows other people's changes pushed in through live.js).
  function recount() {
    var counts = document.getElementById("list-counts");
    var categories = document.getElementById("categories");
    if (!counts || !categories) return;
    ["needed", "in_cart", "purchased"].forEach(function (status) {
      var number = counts.querySelector(".count-" + status + " strong");
      var n = categories.querySelectorAll("li.item[data-status='" + status + "']").length;
      if (number && number.textContent !== String(n)) number.textContent = String(n);
    });
  }

  // A 400 carries the form with its errors and a 409 the edit form with the conflict:
  // both are meant to be shown, which htmx does not do for 4xx answers by default.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.elt &&
        event.detail.elt.closest && event.detail.elt.closest("#grocery-list, .items")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // In development (DEBUG) django-htmx replaces the whole page with any 400 answer, to
  // show Django's error page. Our 400s are forms with their errors, meant for the swap
  // above, so they stop at the window before reaching that document-level listener
  // (stopping propagation does not cancel the event: htmx carries on).
  window.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var elt = event.detail && event.detail.elt;
    if (xhr && xhr.status === 400 && elt && elt.closest && elt.closest("#grocery-list, .items")) {
      event.stopPropagation();
    }
  }, true);

  // The adder's own page may already have the new row: the real-time push (live.js)
  // can arrive before the htmx answer. Never append a second copy of a row.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    if (!fragment || !fragment.querySelectorAll) return;
    // A row swapped over itself (a merged quantity, hx-swap-oob="true") replaces the
    // old copy: dropping it from the fragment would swap the row out for nothing.
    var target = event.detail.target;
    fragment.querySelectorAll("li.item[id]").forEach(function (row) {
      if (target && target.id === row.id) return;
      if (document.getElementById(row.id) && row.parentNode === fragment) row.remove();
    });
  });

  function dismissToast(button) {
    var toast = button.closest(".toast");
    if (toast) toast.remove();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss-toast]");
    if (button) dismissToast(button);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details[open]");
    if (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    }
  });

  // The add form itself is never swapped (so typing on is always safe): after an
  // answer, empty it on success or mark it invalid, and keep focus in the box, unless
  // the person has moved on meanwhile (the push can show the row well before the
  // answer; they may be typing in an edit form by then, and a focus taken from under
  // them would send their keys into the add box).
  var addRequest = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "add-form") addRequest = event.detail.xhr;
  });
  function movedOn(event) {
    var form = document.getElementById("add-form");
    if (addRequest && form && !form.contains(event.target)) addRequest = null;
  }
  document.addEventListener("focusin", movedOn);
  document.addEventListener("pointerdown", movedOn);

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "add-form") return;
    var input = document.getElementById("add-text");
    var status = event.detail.xhr && event.detail.xhr.status;
    if (!input) return;
    if (status >= 200 && status < 300) {
      input.value = "";
      input.removeAttribute("aria-invalid");
    } else if (status === 400) {
      input.setAttribute("aria-invalid", "true");
    }
    var stayed = addRequest === event.detail.xhr;
    addRequest = null;
    if (stayed && (document.activeElement === document.body || form.contains(document.activeElement))) {
      input.focus();
    }
  });

  // After an edit form opens, put the cursor in its first field, in the same task as
  // the swap (at settle, 20 ms on, the person may already be typing in another field
  // of the form); after delete, focus the Undo button so keyboard users can take it
  // back at once.
  document.addEventListener("htmx:afterSwap", function (event) {
    var row = event.target;
    if (row && row.classList && row.classList.contains("editing") &&
        !row.contains(document.activeElement)) {
      var first = row.querySelector("input[type=text], textarea, select");
      if (first) first.focus();
    }
    var target = event.detail.target;
    if (target && target.id === "toast") {
      var undo = target.querySelector(".toast-undo");
      if (undo) undo.focus({ preventScroll: true });
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    syncCategories();
  });

  function start() {
    syncCategories();
    var container = document.getElementById("categories");
    if (container && window.MutationObserver) {
      new MutationObserver(function () {
        syncCategories();
      }).observe(document.getElementById("grocery-list"), { childList: true, subtree: true });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
