// The top page of a static copy of the course: open the course in the browser's
// language when it is one of the course's (the list of languages stays the fallback).
(function () {
  "use strict";
  var links = document.querySelectorAll("a[data-locale]");
  var wanted = (navigator.languages || [navigator.language || ""]).map(function (tag) {
    return String(tag).toLowerCase().split("-")[0];
  });
  for (var i = 0; i < wanted.length; i += 1) {
    for (var j = 0; j < links.length; j += 1) {
      if (links[j].dataset.locale === wanted[i]) {
        window.location.replace(links[j].href);
        return;
      }
    }
  }
})();
