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
  }

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

  // After the add form is swapped, keep typing: focus goes back to the add box.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "add-form") {
      var input = document.getElementById("add-text");
      if (input) input.focus();
    }
  });

  // After an edit form opens, put the cursor in its first field; after delete,
  // move focus to the Undo button so keyboard users can take it back at once.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (target && target.classList && target.classList.contains("editing")) {
      var first = target.querySelector("input[type=text], textarea, select");
      if (first) first.focus();
    }
    syncCategories();
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var undo = event.detail.target && event.detail.target.querySelector(".toast-undo");
    if (undo && event.detail.target.id === "toast") undo.focus();
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
