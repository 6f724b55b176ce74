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

  // The vendor's page: the line total as they type, by the money rule of orders.services
  // (a quantity that is a plain number multiplies the unit price; "500 g" or "a dozen" is
  // priced once, as asked). "1,50" is read as 1.50, as the server reads it.
  var PLAIN_NUMBER = /^\s*(\d{1,6}(?:[.,]\d{1,3})?)\s*$/;

  function parsePrice(text) {
    var value = String(text || "").trim();
    if ((value.match(/,/g) || []).length === 1 && value.indexOf(".") === -1) {
      value = value.replace(",", ".");
    }
    return /^\d+(\.\d{0,2})?$/.test(value) ? Number(value) : null;
  }

  // Two decimals with the page language's separator ("7,50" on a Spanish page), no
  // grouping: the same as the server's money format (grocer/money.py).
  function formatAmount(amount) {
    try {
      return amount.toLocaleString(document.documentElement.lang || "en", {
        minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false
      });
    } catch (e) {
      return amount.toFixed(2);
    }
  }

  function showLineTotal(input) {
    var line = document.querySelector('[data-line-total-for="' + input.id + '"]');
    var fieldset = input.closest("[data-quantity]");
    if (!line || !fieldset) return;
    var price = parsePrice(input.value);
    if (price === null) { line.hidden = true; return; }
    var match = PLAIN_NUMBER.exec(fieldset.dataset.quantity || "");
    var quantity = match ? Number(match[1].replace(",", ".")) : 1;
    var cents = Math.round(price * quantity * 100);
    line.querySelector("output").textContent = formatAmount(cents / 100);
    line.hidden = false;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-unit-price]")) {
      showLineTotal(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-unit-price]").forEach(showLineTotal);
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
