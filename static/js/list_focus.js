// Focus after Undo and after an edit: htmx swaps the rows, and focus (on the Undo button
// or the Save button, both gone) would drop to the body, sending the next Tab to the top.
// Undo puts focus on the restored row's check button, Save or Cancel on the edited row's
// menu button, where the person started.
(function () {
  "use strict";
  // Tied to its request: other requests (a poll, a badge) settle in between, and a
  // push may put the row on the page before Undo's own answer replaces it again.
  var pending = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest) return;
    var undo = elt.closest(".toast form");
    if (undo) {
      var item = undo.querySelector("input[name=item]");
      pending = item ? { id: "item-" + item.value, control: ".check", xhr: event.detail.xhr } : null;
      return;
    }
    var editing = elt.closest("li.item.editing");
    if (editing) pending = { id: editing.id, control: ".item-menu > summary", xhr: event.detail.xhr };
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!pending || event.detail.xhr !== pending.xhr) return;
    var row = document.getElementById(pending.id);
    // Still editing (a form error or a conflict): the form keeps focus until it is saved.
    if (!row || row.classList.contains("editing")) return;
    var control = row.querySelector(pending.control) || row.querySelector("button, summary");
    pending = null;
    if (control) control.focus();
  });
})();
