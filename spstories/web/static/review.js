// Review queue shortcuts: j/k move between tags, a accept, r reject, c change, m add missed.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".review-item"));
  if (!items.length) { return; }
  var current = 0;
  function focus(i) {
    current = Math.max(0, Math.min(items.length - 1, i));
    items[current].focus();
  }
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
  focus(0);
})();
