// Vendors pages. No inline script anywhere (strict CSP): everything lives here.
(function () {
  "use strict";

  // Let htmx swap in this app's 400 responses: they carry the form's errors. Other
  // apps' requests on the same page (the list page) keep htmx's own handling.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var ours = target && target.closest && target.closest("#share-form, #share-statuses");
    if (ours && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // On the list page, anything the live socket adds to the activity feed (a share's
  // status, a vendor's answer, an order) refreshes the vendors section at once
  // instead of at its next poll.
  function watchActivity() {
    var feed = document.getElementById("activity");
    if (!feed || !window.htmx || !("MutationObserver" in window)) return;
    new MutationObserver(function () {
      var section = document.getElementById("share-statuses");
      if (section) window.htmx.trigger(section, "grocer:refresh");
    }).observe(feed, { childList: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchActivity);
  } else {
    watchActivity();
  }
})();
