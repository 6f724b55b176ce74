// <details> menus (the top bar's, an item's "⋯", List options): one open at a time, closed
// by Escape, a click elsewhere or once one of their actions is sent, so an open menu never
// sits over the next row. Copy buttons.
// Everything here is an enhancement: without JavaScript the menus and forms still work.
(function () {
  "use strict";

  // Django's JavaScript catalog (grocer/i18n.py; base.html loads it before this file);
  // English if it did not load.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  var MENU = "details.nav-menu, details.item-menu, details.list-options";

  function openMenus() {
    return document.querySelectorAll("details[open]:is(.nav-menu, .item-menu, .list-options)");
  }

  function closeOthers(keep) {
    openMenus().forEach(function (menu) {
      if (menu !== keep && !menu.contains(keep)) menu.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    closeOthers(event.target.closest ? event.target.closest(MENU) : null);
  });

  // Opening one menu (by mouse, touch or keyboard) closes the rest. `toggle` does not
  // bubble: the capture phase sees every menu, rows pushed in later included.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (menu.open && menu.matches && menu.matches(MENU)) closeOthers(menu);
  }, true);

  // An item menu's action is on its way: the menu is done (the row comes back closed,
  // whether the answer or a live push of the same change lands first).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    // The menu loading its own content (rows.js) is not an action.
    if (elt && elt.matches && elt.matches(".menu-panel")) return;
    var menu = elt && elt.closest ? elt.closest("details.item-menu[open]") : null;
    if (menu) menu.removeAttribute("open");
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.nav-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // A live push (live.js) can replace or remove the row a request came from before the
  // answer arrives. htmx then looks for the answer's out-of-band parts inside the detached
  // row and logs htmx:oobErrorNoTarget. The push already showed the change (and lists.js
  // recounts from the rows), so: no swap into a detached target, and out-of-band parts
  // with nowhere to go are dropped before htmx sees them.
  function guardSwap(event) {
    var detail = event.detail;
    var response = detail.serverResponse;
    if (!detail.shouldSwap || typeof response !== "string") return;
    // detail.elt is the target here; the element that sent the request is in requestConfig.
    var source = detail.requestConfig && detail.requestConfig.elt;
    var detached = source && !source.isConnected;
    if (detached && detail.target && !detail.target.isConnected) {
      detail.shouldSwap = false;
      return;
    }
    if (response.indexOf("hx-swap-oob") === -1) return;
    var template = document.createElement("template");
    template.innerHTML = response;
    var dropped = false;
    template.content.querySelectorAll("[hx-swap-oob]").forEach(function (part) {
      var spec = part.getAttribute("hx-swap-oob") || "";
      var colon = spec.indexOf(":");
      var selector = colon >= 0 ? spec.slice(colon + 1) : (part.id ? "#" + CSS.escape(part.id) : "");
      if (detached || (selector && !document.querySelector(selector))) {
        part.remove();
        dropped = true;
      }
    });
    if (dropped) detail.serverResponse = template.innerHTML;
  }

  // htmx fires beforeSwap on the target, which may be detached by then (the event never
  // reaches the document): listen on the target itself, from the moment the request leaves.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (!target || target.grocerSwapGuard) return;
    target.grocerSwapGuard = true;
    target.addEventListener("htmx:beforeSwap", guardSwap);
  });

  // <button data-copy-target="id"> copies that input's value.
  function enableCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.hidden = !navigator.clipboard;
      if (button.dataset.copyReady) return;
      button.dataset.copyReady = "1";
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copyTarget);
        if (!input) return;
        navigator.clipboard.writeText(input.value).then(function () {
          var status = document.getElementById("messages");
          if (status) status.textContent = button.dataset.copiedMessage || gettext("Invite link copied.");
          button.textContent = gettext("Copied");
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enableCopyButtons(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    enableCopyButtons(event.target);
  });
})();

// Invite links: focusing the read-only field selects it, ready to copy by hand.
document.addEventListener("focusin", function (event) {
  if (event.target.matches && event.target.matches("input[data-invite-url]")) {
    event.target.select();
  }
});
