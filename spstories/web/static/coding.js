// Manual coding: turn a text selection in the document into character offsets.
// Offsets count characters of the document's plain text, which is exactly the text
// content of #doc-text (marks only wrap it), so they match the stored text.
(function () {
  "use strict";
  var doc = document.getElementById("doc-text");
  var start = document.getElementById("start");
  var end = document.getElementById("end");
  var status = document.getElementById("selection-status");
  if (!doc || !start || !end) { return; }

  function offsetOf(node, offset) {
    var range = document.createRange();
    range.selectNodeContents(doc);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function describe() {
    var from = parseInt(start.value, 10), to = parseInt(end.value, 10);
    if (isNaN(from) || isNaN(to) || to <= from) {
      status.textContent = "No passage selected.";
      return;
    }
    var text = doc.textContent.slice(from, to);
    status.textContent = "Selected characters " + from + "–" + to + ": “" +
      (text.length > 80 ? text.slice(0, 77) + "…" : text) + "”";
  }

  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    if (!doc.contains(range.startContainer) || !doc.contains(range.endContainer)) { return; }
    var from = offsetOf(range.startContainer, range.startOffset);
    var to = offsetOf(range.endContainer, range.endOffset);
    var text = doc.textContent;
    // Trim white space at the edges so a double-click selection codes just the words.
    while (from < to && /\s/.test(text.charAt(from))) { from += 1; }
    while (to > from && /\s/.test(text.charAt(to - 1))) { to -= 1; }
    if (to <= from) { return; }
    start.value = from;
    end.value = to;
    describe();
    // Others on the page (code suggestions) follow the selection through this event.
    end.dispatchEvent(new Event("change"));
  });
  start.addEventListener("input", describe);
  end.addEventListener("input", describe);
})();
