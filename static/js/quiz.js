// Ordering questions: giving an item a place another item holds swaps the two, so
// every place stays used once. The swap happens when the list is left, not on every
// change, so moving through the places with the arrow keys disturbs nothing. Without
// this script the lists work the same way, only without the swap.
(function () {
  "use strict";
  document.querySelectorAll("fieldset.question--ordering").forEach(function (fieldset) {
    var selects = Array.prototype.slice.call(fieldset.querySelectorAll("select[data-ordering]"));
    selects.forEach(function (select) {
      var before = select.value;
      select.addEventListener("focus", function () { before = select.value; });
      select.addEventListener("blur", function () {
        if (!select.value || select.value === before) return;
        selects.forEach(function (other) {
          if (other !== select && other.value === select.value) other.value = before;
        });
        before = select.value;
      });
    });
  });
})();
