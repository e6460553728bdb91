// Ordering questions: giving an item a place another item holds swaps the two, so
// every place stays used once. Without this script the selects work the same way,
// only without the swap.
(function () {
  "use strict";
  document.querySelectorAll("fieldset.question--ordering").forEach(function (fieldset) {
    var selects = Array.prototype.slice.call(fieldset.querySelectorAll("select[data-ordering]"));
    selects.forEach(function (select) {
      select.dataset.previous = select.value;
      select.addEventListener("change", function () {
        var other = selects.filter(function (s) { return s !== select && s.value && s.value === select.value; })[0];
        if (other) {
          other.value = select.dataset.previous;
          other.dataset.previous = other.value;
        }
        select.dataset.previous = select.value;
      });
    });
  });
})();
