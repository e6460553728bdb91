// The studio's editor: the preview and the problem list follow the text as one types
// (sent to the server, which renders it with the site's own parser, 500 ms after the
// last key), problems link to their line, and a text far too long is stopped before it
// is sent. The text is highlighted as Markdown, and lines with a problem are underlined.
// Without this file the page still works: the preview shows the last saved text.
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
    var highlight = highlighter(text, linesOf(problems.querySelectorAll("a[data-line]")));

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
          highlight.problems(answer.problems.map(function (p) { return p.line; }));
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

  function linesOf(links) {
    return Array.prototype.map.call(links, function (link) { return parseInt(link.dataset.line, 10); });
  }

  // --- Highlighting: a copy of the text, coloured, under the transparent text area ---

  function highlighter(text, problemLines) {
    var wrapper = document.createElement("div");
    wrapper.className = "code-editor";
    var pre = document.createElement("pre");
    pre.className = "code-editor__highlight";
    pre.setAttribute("aria-hidden", "true");
    text.parentNode.insertBefore(wrapper, text);
    wrapper.appendChild(pre);
    wrapper.appendChild(text);
    var marked = {};

    function draw() {
      pre.innerHTML = colour(text.value, marked) + "\n"; // a last empty line keeps its height
      pre.scrollTop = text.scrollTop;
    }
    function problems(lines) {
      marked = {};
      lines.forEach(function (line) { marked[line] = true; });
      draw();
    }
    var pending = false; // one drawing a frame, however many inputs arrive in it
    text.addEventListener("input", function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () { pending = false; draw(); });
    });
    text.addEventListener("scroll", function () { pre.scrollTop = text.scrollTop; });
    problems(problemLines);
    return { problems: problems };
  }

  var INLINE = new RegExp([
    "(`[^`]+`)",                         // code
    "(!?\\[[^\\]]*\\]\\([^)\\s]*\\))",  // link or image
    "(\\[@[\\w-]+\\])",                  // citation
    "(\\*\\*[^*]+\\*\\*)",                // strong
    "(<\\/?[a-zA-Z][^>]*>)",              // raw HTML (sanitised on the site)
  ].join("|"), "g");

  function escape(value) {
    return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function span(kind, value) { return '<span class="t-' + kind + '">' + escape(value) + "</span>"; }

  function inline(line) {
    var out = "";
    var last = 0;
    line.replace(INLINE, function (match, code, link, cite, strong, tag, at) {
      out += escape(line.slice(last, at));
      out += span(code ? "code" : link ? "link" : cite ? "attr" : strong ? "strong" : "mark", match);
      last = at + match.length;
      return match;
    });
    return out + escape(line.slice(last));
  }

  function colourLine(line, state) {
    var match;
    if (state.frontMatter) {
      if (/^---\s*$/.test(line)) { state.frontMatter = false; return span("mark", line); }
      if ((match = /^(\s*(?:- )?)([\w-]+:)(.*)$/.exec(line))) {
        return escape(match[1]) + span("key", match[2]) + inline(match[3]);
      }
      return /^\s*#/.test(line) ? span("mark", line) : inline(line);
    }
    if (/^\s*(```|~~~)/.test(line)) { state.fence = !state.fence; return span("code", line); }
    if (state.fence) return span("code", line);
    if ((match = /^(#{1,6}\s.*?)(\s*\{[^}]*\}\s*)?$/.exec(line))) {
      return span("heading", match[1]) + (match[2] ? span("attr", match[2]) : "");
    }
    if ((match = /^(\s*[-*+] )\[([ xX])\](.*)$/.exec(line))) {
      var correct = match[2] !== " ";
      return escape(match[1]) + span(correct ? "correct" : "mark", "[" + match[2] + "]") + inline(match[3]);
    }
    if ((match = /^(\s*(?:[-*+]|\d+\.) |\s*> ?)(.*)$/.exec(line))) {
      return span("mark", match[1]) + inline(match[2]);
    }
    return inline(line);
  }

  function colour(value, marked) {
    var state = { frontMatter: /^---\s*(\n|$)/.test(value), fence: false };
    return value.split("\n").map(function (line, index) {
      var html = index === 0 && state.frontMatter ? span("mark", line) : colourLine(line, state);
      return marked[index + 1] ? '<span class="t-problem">' + (html || " ") + "</span>" : html;
    }).join("\n");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
