// Poll a background job's status until it has finished, then open its result page
// (data-done-url) or reload this one to show how it ended.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        document.getElementById("job-status").textContent = job.status;
        document.getElementById("job-progress").value = job.progress;
        document.getElementById("job-message").textContent = job.message;
        if (job.status === "queued" || job.status === "running") { setTimeout(poll, 1000); }
        else { window.location = box.dataset.doneUrl || window.location.href; }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  var status = document.getElementById("job-status").textContent;
  if (status === "queued" || status === "running") { poll(); }
})();
