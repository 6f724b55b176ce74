// Bulk add: several lines pasted into the add box go to the "Add several" box and are
// added at once (an <input> would drop the line breaks). The box works without this
// script too: it is an ordinary form.
(function () {
  "use strict";

  function lineCount(text) {
    return text.split(/\r?\n/).filter(function (line) { return line.trim(); }).length;
  }

  document.addEventListener("paste", function (event) {
    var box = event.target;
    if (!box || box.id !== "add-text") return;
    var data = event.clipboardData || window.clipboardData;
    var text = data ? data.getData("text") : "";
    if (!text || lineCount(text) < 2) return; // one line: pasted as usual
    var panel = document.getElementById("bulk-add");
    var form = document.getElementById("bulk-add-form");
    var area = document.getElementById("bulk-text");
    if (!panel || !form || !area) return;
    event.preventDefault();
    var typed = box.value.trim();
    area.value = (typed ? typed + "\n" : "") + text;
    box.value = "";
    panel.open = true;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  });

  // Like the add box: empty the text after a success, mark it invalid after a 400.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "bulk-add-form") return;
    var area = document.getElementById("bulk-text");
    var status = event.detail.xhr && event.detail.xhr.status;
    if (!area) return;
    if (status >= 200 && status < 300) {
      area.value = "";
      area.removeAttribute("aria-invalid");
    } else if (status === 400) {
      area.setAttribute("aria-invalid", "true");
    }
  });

  // The staples and sets panel comes back after an add from it (without what was just
  // added): keep keyboard focus at the same place in it instead of losing it to <body>.
  var FOCUSABLE = "button, select, a[href], input";
  var focusIndex = -1;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "list-offers") return;
    var items = Array.prototype.slice.call(target.querySelectorAll(FOCUSABLE));
    focusIndex = items.indexOf(document.activeElement);
  });
  // htmx:load fires on the new panel once it is in the page (the old one, which the
  // swap events fire on, is detached by then).
  document.addEventListener("htmx:load", function (event) {
    var panel = event.target;
    if (!panel || panel.id !== "list-offers" || focusIndex < 0) return;
    var items = panel.querySelectorAll(FOCUSABLE);
    if (items.length) items[Math.min(focusIndex, items.length - 1)].focus();
    focusIndex = -1;
  });
})();
