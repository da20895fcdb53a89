// Code suggestions for a selected passage: the server compares the passage with each
// code's description using sentence embeddings (zero-shot) and returns the nearest
// codes. The nearest is preselected unless the reviewer has already chosen a code.
(function () {
  "use strict";
  var box = document.getElementById("code-suggestions");
  var doc = document.getElementById("doc-text");
  var start = document.getElementById("start");
  var end = document.getElementById("end");
  var select = document.getElementById("add-code");
  var form = document.getElementById("add-form");
  if (!box || !doc || !start || !end || !select || box.dataset.mode === "none") { return; }
  var chosenByHand = false;
  var timer = null;
  select.addEventListener("change", function () { chosenByHand = true; });

  function show(result) {
    box.textContent = "";
    if (!result.suggestions || result.suggestions.length === 0) { return; }
    var p = document.createElement("p");
    p.appendChild(document.createTextNode("Nearest codes by meaning: "));
    result.suggestions.forEach(function (s, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary suggestion";
      button.dataset.code = s.code;
      button.textContent = s.label + " (" + s.similarity.toFixed(2) + ")";
      button.addEventListener("click", function () { select.value = s.code; chosenByHand = true; });
      if (i > 0) { p.appendChild(document.createTextNode(" ")); }
      p.appendChild(button);
    });
    box.appendChild(p);
    if (!chosenByHand) { select.value = result.suggestions[0].code; }
  }

  function ask() {
    var from = parseInt(start.value, 10), to = parseInt(end.value, 10);
    if (isNaN(from) || isNaN(to) || to <= from) { return; }
    var data = new FormData();
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    data.append("codebook", box.dataset.codebook);
    data.append("text", doc.textContent.slice(from, to));
    fetch(box.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) { if (result) { show(result); } })
      .catch(function () { box.textContent = ""; });
  }

  end.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 250);
  });
})();
