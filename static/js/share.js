// Share a list as plain text: the Web Share API where there is one (phones), else copy
// to the clipboard; either way the result is said in the status line next to the
// button. Texts for people come from the page (data-*), so they are translated there.
(function () {
  "use strict";

  function say(button, text) {
    var box = document.getElementById(button.dataset.status || "");
    if (box) box.textContent = text;
  }

  function copy(button, text) {
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      say(button, button.dataset.failed);
      return Promise.resolve();
    }
    return navigator.clipboard.writeText(text).then(function () {
      say(button, button.dataset.copied);
    }, function () {
      say(button, button.dataset.failed);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-share-text]");
    if (button) {
      fetch(button.dataset.shareText, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      }).then(function (text) {
        if (navigator.share) {
          return navigator.share({ title: button.dataset.shareTitle || "", text: text }).then(function () {
            say(button, button.dataset.shared);
          }, function (error) {
            if (error && error.name === "AbortError") return; // the person closed the sheet
            return copy(button, text);
          });
        }
        return copy(button, text);
      }).catch(function () {
        say(button, button.dataset.failed);
      });
      return;
    }
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  // Buttons that only work with this script stay hidden without it.
  function reveal() {
    document.querySelectorAll("[data-share-text][hidden], [data-print][hidden]").forEach(function (b) {
      b.hidden = false;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", reveal);
  else reveal();
})();
