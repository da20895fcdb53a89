// Case study form: background draft saving and a live Markdown preview.
// Drafts are kept on the server (not in the browser's storage) because a shared
// or lost device must never hold special-category data.
(function () {
  "use strict";
  var form = document.getElementById("case-study-form");
  if (!form) { return; }
  var status = document.getElementById("autosave-status");
  var preview = document.getElementById("narrative-preview");
  var narrative = document.getElementById("narrative");
  var dirty = false;
  var saving = false;
  var timer = null;

  function say(text) { status.textContent = text; }

  function formData() {
    var data = new FormData(form);
    data.delete("action");
    return data;
  }

  // A save that failed because the server or its database was unavailable is tried
  // again on its own; the text never leaves the page until it is saved.
  var RETRY_MS = 10000;
  function retryLater() { clearTimeout(timer); timer = setTimeout(save, RETRY_MS); }

  function save() {
    if (!dirty || saving) { return; }
    saving = true;
    dirty = false;
    fetch(form.dataset.autosaveUrl, { method: "POST", body: formData(), credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (body) { return [response, body]; }); })
      .then(function (result) {
        var response = result[0], body = result[1];
        if (response.ok && body.saved) {
          if (form.dataset.autosaveUrl !== body.autosave_url) {
            form.dataset.autosaveUrl = body.autosave_url;
            form.action = body.edit_url;
            history.replaceState(null, "", body.edit_url);
          }
          say("Draft saved at " + new Date().toLocaleTimeString() + ".");
        } else if (response.status >= 500) {
          dirty = true;
          say("Draft not saved yet: " + (body.error || "the server did not answer.") +
              " It will be tried again; your text stays on this page.");
          retryLater();
        } else {
          dirty = true;
          say("Draft not saved yet: " + Object.values(body.errors || {}).join(" "));
        }
      })
      .catch(function () { dirty = true; say("Offline: the draft will be saved when the connection returns."); retryLater(); })
      .then(function () { saving = false; });
  }

  function renderPreview() {
    var data = new FormData();
    data.append("narrative", narrative.value);
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    fetch(form.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      // The server sanitises with an allow-list before answering.
      .then(function (body) { preview.innerHTML = body.html; })
      .catch(function () { /* preview is a convenience; typing is never blocked */ });
  }

  var previewTimer = null;
  form.addEventListener("input", function (event) {
    dirty = true;
    say("Unsaved changes…");
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
    if (event.target === narrative) {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(renderPreview, 300);
    }
  });
  form.addEventListener("change", function () { dirty = true; clearTimeout(timer); timer = setTimeout(save, 1500); });
  form.addEventListener("submit", function () { dirty = false; clearTimeout(timer); });
  // Leaving or closing the tab: hand the draft to the browser to deliver even as
  // the page goes. The form's draft key makes a beacon racing a save land on one draft.
  function flush() {
    if (dirty && navigator.sendBeacon) {
      dirty = false;
      clearTimeout(timer);
      navigator.sendBeacon(form.dataset.autosaveUrl, formData());
    }
  }
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
  if (narrative.value) { renderPreview(); }
})();
