// List page behaviour that plain HTML cannot do. Everything here is an enhancement:
// with JavaScript off the forms post and the server redirects back.
(function () {
  "use strict";

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

  // After delete, focus the Undo button so keyboard users can take it back at once.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "toast") {
      var undo = target.querySelector(".toast-undo");
      if (undo) undo.focus({ preventScroll: true });
    }
  });
})();
