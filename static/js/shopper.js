/* The shopper page (shop/shopper.html): its item area is polled with htmx every few
 * seconds. This keeps the poll from replacing rows under someone typing a note, and
 * says so plainly when the link stops working (410) instead of failing silently. */
(function () {
  "use strict";

  // Django's JavaScript catalog (grocer/i18n.py; base.html loads it before this file);
  // English if it did not load.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  function busy() {
    var active = document.activeElement;
    var area = document.getElementById("shopper-items");
    return !!(area && active && area.contains(active) &&
      (active.tagName === "INPUT" || area.querySelector("details[open]")));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "shopper-items" && (busy() || document.hidden)) event.preventDefault();
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    var box = document.getElementById("shopper-status");
    if (!box) return;
    if (status === 410 || status === 404) {
      var area = document.getElementById("shopper-items");
      if (area) area.removeAttribute("hx-trigger");
      box.textContent = gettext("This link no longer works. Ask the family for a new one.");
    } else if (status === 429) {
      box.textContent = gettext("Too many changes at once. Wait a moment and try again.");
    }
  });
})();
