// The studio's editor: the preview and the problem list follow the text as one types
// (sent to the server, which renders it with the site's own parser, 500 ms after the
// last key), problems link to their line, and a text far too long is stopped before it
// is sent. Without this file the page still works: the preview shows the last saved text.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.fetch || !window.FormData) return;
  var config = script.dataset;
  var WAIT_MS = 500;

  function start() {
    var text = document.getElementById("text");
    var form = text && text.form;
    var preview = document.getElementById("studio-preview");
    var problems = document.getElementById("studio-problems");
    var status = document.getElementById("preview-status");
    if (!form || !preview || !problems) return;
    var maxLength = parseInt(config.maxLength, 10) || Infinity;
    var timer = null;
    var sent = 0; // only the answer to the latest request is shown

    function say(message) { if (status) status.textContent = message; }

    function update() {
      if (text.value.length > maxLength) { say(config.textTooLong); return; }
      var number = ++sent;
      var body = new FormData();
      body.append("text", text.value);
      body.append("csrf_token", form.elements.csrf_token.value);
      say(config.textUpdating);
      fetch(config.previewUrl, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { Accept: "application/json", "X-CSRFToken": form.elements.csrf_token.value },
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (answer) {
          if (number !== sent) return;
          // Both are rendered by the server from sanitised Markdown.
          if (answer.html) preview.innerHTML = answer.html;
          problems.innerHTML = answer.problems_html;
          text.setAttribute("aria-invalid", answer.problems.length ? "true" : "false");
          say(config.textUpdated);
        })
        .catch(function () { if (number === sent) say(config.textFailed); });
    }

    text.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, WAIT_MS);
    });

    // "Line 12" moves the caret to the start of line 12 and shows it.
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-line]");
      if (!link) return;
      event.preventDefault();
      var line = parseInt(link.dataset.line, 10) || 1;
      var lines = text.value.split("\n");
      var offset = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
      text.focus();
      text.setSelectionRange(offset, offset + (lines[line - 1] || "").length);
      var height = parseFloat(window.getComputedStyle(text).lineHeight) || 20;
      text.scrollTop = Math.max(0, (line - 3) * height);
    });

    form.addEventListener("submit", function (event) {
      if (text.value.length <= maxLength) return;
      event.preventDefault();
      say(config.textTooLong);
      var alert = document.createElement("p");
      alert.className = "form-errors";
      alert.setAttribute("role", "alert");
      alert.textContent = config.textTooLong;
      problems.textContent = "";
      problems.appendChild(alert);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
