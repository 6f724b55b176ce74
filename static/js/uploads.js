/*
 * Photo uploads with progress: ask Grocer for an upload slot, POST the file straight to
 * storage (S3 pre-signed POST, or Grocer itself with local storage) while showing a
 * <progress>, then ask Grocer to check and record it and show the thumbnail or the
 * reason it was refused. Forms marked [data-photo-upload] work without this script.
 */
(function () {
  "use strict";

  // Django's JavaScript catalog (grocer/i18n.py; base.html loads it before this file);
  // English if it did not load.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function ui(form) {
    return {
      progress: form.querySelector(".photo-progress progress"),
      label: form.querySelector(".photo-progress-label"),
      button: form.querySelector("button[type=submit]"),
      box: form.querySelector(".photo-progress"),
    };
  }

  function say(form, text, state) {
    var parts = ui(form);
    parts.label.textContent = text;
    parts.box.dataset.state = state || "";
  }

  function postForm(form, url, data) {
    var body = new FormData();
    Object.keys(data).forEach(function (name) { body.append(name, data[name]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          throw new Error(json.error || interpolate(
            gettext("Something went wrong (%(status)s). Please try again."), { status: response.status }, true));
        }
        return json;
      });
    });
  }

  function sendFile(form, slot, file, onProgress) {
    return new Promise(function (resolve, reject) {
      var body = new FormData();
      Object.keys(slot.fields).forEach(function (name) { body.append(name, slot.fields[name]); });
      body.append("file", file); // S3 ignores every field after the file: it goes last.
      var xhr = new XMLHttpRequest();
      xhr.open("POST", slot.url);
      if (!slot.direct_to_storage) {
        xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
        xhr.withCredentials = true;
      }
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { onProgress(event.loaded / event.total); }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) { resolve(); return; }
        var message = interpolate(gettext("The upload was refused (%(status)s)."), { status: xhr.status }, true);
        try { message = JSON.parse(xhr.responseText).error || message; } catch (e) { /* S3 answers XML */ }
        reject(new Error(message));
      });
      xhr.addEventListener("error", function () { reject(new Error(gettext("The upload failed: check your connection and try again."))); });
      xhr.addEventListener("abort", function () { reject(new Error(gettext("The upload was cancelled."))); });
      xhr.send(body);
    });
  }

  function replaceFigure(form, html) {
    var current = document.getElementById(form.dataset.figure);
    if (!current || !html) { return; }
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.firstElementChild;
    current.replaceWith(fresh);
    if (window.htmx) { window.htmx.process(fresh); } // keeps polling while "pending"
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-photo-upload")) { return; }
    event.preventDefault();
    var parts = ui(form);
    var file = form.querySelector("input[type=file]").files[0];
    if (!file) { say(form, gettext("Choose a photo first."), "error"); return; }
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    if (file.size > maxBytes) {
      say(form, interpolate(gettext("That photo is too big: the limit is %(size)s MB."),
        { size: Math.round(maxBytes / 1048576) }, true), "error");
      return;
    }
    parts.button.disabled = true;
    parts.progress.hidden = false;
    parts.progress.value = 0;
    say(form, interpolate(gettext("Uploading… %(percent)s%"), { percent: 0 }, true), "busy");
    postForm(form, form.dataset.slotUrl, { content_type: file.type, size: file.size })
      .then(function (slot) {
        return sendFile(form, slot, file, function (fraction) {
          var percent = Math.round(fraction * 100);
          parts.progress.value = percent;
          parts.label.textContent = interpolate(gettext("Uploading… %(percent)s%"), { percent: percent }, true);
        }).then(function () { return slot; });
      })
      .then(function (slot) {
        parts.progress.value = 100;
        say(form, gettext("Checking photo…"), "busy");
        return postForm(form, form.dataset.completeUrl, { token: slot.token });
      })
      .then(function (result) {
        replaceFigure(form, result.html);
        parts.progress.hidden = true;
        say(form, result.message || gettext("Photo saved."), "done");
        form.reset();
      })
      .catch(function (error) {
        parts.progress.hidden = true;
        say(form, error.message, "error");
      })
      .finally(function () { parts.button.disabled = false; });
  });
})();
