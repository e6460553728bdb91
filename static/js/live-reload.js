// Under `omnicourse run` only: reload the page once its content has changed on disk.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script.dataset.url;
  var version = script.dataset.version;
  function poll() {
    fetch(url, { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.version !== version) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 1000);
})();
