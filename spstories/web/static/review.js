// Review queue shortcuts: j/k move between tags, a accept, r reject, c change, m add missed.
// After a decision the queue reloads with the focus where it was, on the tag that now
// stands in the decided one's place, so a reviewer can keep going from the keyboard.
(function () {
  "use strict";
  var POSITION = "spstories.review.position";
  var saved = null;
  try {
    saved = window.sessionStorage.getItem(POSITION);
    window.sessionStorage.removeItem(POSITION);
  } catch (e) { saved = null; }
  var items = Array.prototype.slice.call(document.querySelectorAll(".review-item"));
  if (!items.length) { return; }
  var current = 0;
  function focus(i) {
    current = Math.max(0, Math.min(items.length - 1, i));
    items[current].focus();
  }
  items.forEach(function (item, i) {
    Array.prototype.forEach.call(item.querySelectorAll("form"), function (form) {
      form.addEventListener("submit", function () {
        try { window.sessionStorage.setItem(POSITION, String(i)); } catch (e) { /* private mode */ }
      });
    });
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) { return; }
    var index = items.indexOf(document.activeElement && document.activeElement.closest(".review-item"));
    if (index >= 0) { current = index; }
    var item = items[current];
    var control = item.querySelector('[data-key="' + event.key + '"]');
    if (event.key === "j") { focus(current + 1); }
    else if (event.key === "k") { focus(current - 1); }
    else if (control && control.tagName === "SELECT") { control.focus(); }
    else if (control) { control.click(); }
    else { return; }
    event.preventDefault();
  });
  focus(parseInt(saved, 10) || 0);
})();
