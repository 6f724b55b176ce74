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
})();
