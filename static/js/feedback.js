// "Was this section helpful?" on the module page: sends the answer in place.
// The page is the same for every visitor (and cached), so the CSRF token is
// fetched from the API first, as progress.js does. Without this file, or when
// sending fails, the Yes/No links lead to a small form page instead.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.fetch || !window.Promise) return;
  var config = script.dataset;
  var token = null;

  function getToken(fresh) {
    if (token && !fresh) return Promise.resolve(token);
    return fetch(config.tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        token = body.csrf_token;
        return token;
      });
  }

  function send(url, answer, retried) {
    return getToken(retried).then(function (csrf) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ helpful: answer }),
      });
    }).then(function (response) {
      // A stale token (the session changed in another tab) is fetched again once.
      if (response.status === 400 && !retried) return send(url, answer, true);
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function thank(group, message) {
    var note = document.createElement("span");
    note.className = "section-vote__thanks";
    note.setAttribute("role", "status");
    note.textContent = message || config.textThanks;
    note.tabIndex = -1;
    group.textContent = "";
    group.appendChild(note);
    note.focus(); // the link that had the focus is gone: keep keyboard users in place
  }

  function enhance(group) {
    group.querySelectorAll("a[data-vote]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button) return;
        event.preventDefault();
        group.setAttribute("aria-busy", "true");
        send(group.dataset.sectionVote, link.dataset.vote, false)
          .then(function (body) { thank(group, body.message); })
          .catch(function () { window.location.href = link.href; });
      });
    });
  }

  function start() {
    document.querySelectorAll("[data-section-vote]").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
