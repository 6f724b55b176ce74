// Top-bar menus (<details>): close on Escape or a click elsewhere; copy buttons.
// Everything here is an enhancement: without JavaScript the menus and forms still work.
(function () {
  "use strict";

  function openMenus() {
    return document.querySelectorAll("details.nav-menu[open]");
  }

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
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
          if (status) status.textContent = "Invite link copied.";
          button.textContent = "Copied";
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
