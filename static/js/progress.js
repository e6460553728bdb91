// Learner progress on the course home and the module pages.
// Reports sections opened and read and audio listened to /api/progress, and
// shows what the learner has done. Pages are the same for every visitor (and
// cached), so all personal state comes from the API. Progressive enhancement:
// without this file, "Mark as read" links lead to a small form page.
// On a static copy of the course (data-store="local") there is no API: progress is
// kept in this browser's localStorage, in the same shape the API answers.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.fetch || !window.Promise) return;
  var config = script.dataset;
  var token = null;
  var progress = null; // the GET /api/progress answer
  var sent = {}; // events already recorded from this page
  var local = config.store === "local";
  var STORE = "omnicourse-progress";

  // --- progress kept in the browser (static copy) ---------------------------

  function kept() {
    try { return JSON.parse(window.localStorage.getItem(STORE)) || {}; } catch (error) { return {}; }
  }

  function keep(data) {
    try { window.localStorage.setItem(STORE, JSON.stringify(data)); } catch (error) { /* full or private */ }
  }

  function keptEvent(event) {
    var data = kept();
    var module = data[event.module] = data[event.module] || { read: {}, listened: false, quiz: null };
    if (event.event === "section-read" && event.section) module.read[event.section] = true;
    if (event.event === "audio-listened") module.listened = true;
    if (event.event === "quiz-graded") {
      var quiz = module.quiz = module.quiz || { attempts: 0, best: 0, passed: false };
      quiz.attempts += 1;
      quiz.best = Math.max(quiz.best, event.ratio);
      quiz.passed = quiz.passed || event.passed;
    }
    keep(data);
    return Promise.resolve({});
  }

  // The API's answer, made from what is kept and the sections each page lists.
  function keptProgress() {
    var data = kept();
    var modules = {};
    var outlines = [];
    document.querySelectorAll("article[data-module]").forEach(function (article) {
      outlines.push({ slug: article.dataset.module, quiz: !!article.querySelector(".test-yourself"),
        sections: Array.prototype.map.call(article.querySelectorAll("details[data-section]"),
          function (details) { return details.dataset.section; }) });
    });
    document.querySelectorAll(".module-card[data-module]").forEach(function (card) {
      outlines.push({ slug: card.dataset.module, quiz: card.hasAttribute("data-quiz"),
        sections: (card.dataset.sections || "").split(" ").filter(Boolean) });
    });
    outlines.forEach(function (outline) {
      var mine = data[outline.slug] || { read: {}, quiz: null };
      var sections = {};
      var read = 0;
      var next = null;
      outline.sections.forEach(function (id) {
        sections[id] = { read: !!mine.read[id] };
        if (mine.read[id]) read += 1;
        else if (!next) next = id;
      });
      var quiz = outline.quiz ? { attempts: mine.quiz ? mine.quiz.attempts : 0, passed: !!(mine.quiz && mine.quiz.passed),
        best: mine.quiz && mine.quiz.attempts ? { percent: Math.round(mine.quiz.best * 100) } : null } : null;
      modules[outline.slug] = { sections: sections, sections_read: read, sections_total: outline.sections.length,
        quiz: quiz, next_section: next,
        completed: read === outline.sections.length && (!quiz || quiz.passed) };
    });
    return { modules: modules };
  }

  function text(name, values) {
    var value = config[name] || "";
    Object.keys(values || {}).forEach(function (key) {
      value = value.split("{" + key + "}").join(String(values[key]));
    });
    return value;
  }

  function json(response) {
    return response.json().then(function (body) {
      return { ok: response.ok, status: response.status, body: body };
    });
  }

  function getToken() {
    if (token) return Promise.resolve(token);
    return fetch(config.tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(json)
      .then(function (answer) {
        token = answer.body.csrf_token;
        return token;
      });
  }

  // POST one event; a stale CSRF token is fetched again once.
  function post(event, retried) {
    if (local) return keptEvent(event);
    return getToken()
      .then(function (csrf) {
        return fetch(config.api, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify(event),
        });
      })
      .then(json)
      .then(function (answer) {
        if (answer.ok) return answer.body;
        if (answer.body.error === "csrf" && !retried) {
          token = null;
          return post(event, true);
        }
        throw new Error(answer.body.message || "HTTP " + answer.status);
      });
  }

  // Events go one after another: a browser's first event sets its learner
  // cookie, and the next must carry it, or it would start a second learner.
  var queue = Promise.resolve();

  // Record an event once per page; resolve when it is stored.
  function record(kind, module, section) {
    var key = [kind, module, section || ""].join("|");
    if (!sent[key]) {
      var send = function () { return post({ event: kind, module: module, section: section || null }); };
      queue = queue.then(send, send);
      sent[key] = queue.catch(function (error) {
        delete sent[key];
        throw error;
      });
    }
    return sent[key];
  }

  function moduleState(slug) {
    return progress && progress.modules ? progress.modules[slug] : null;
  }

  // Keep the local copy in step with what was just stored.
  function noteRead(slug, section) {
    var state = moduleState(slug);
    if (!state || !state.sections[section] || state.sections[section].read) return;
    state.sections[section].read = true;
    state.sections_read += 1;
    state.completed = state.sections_read === state.sections_total && (!state.quiz || state.quiz.passed);
  }

  function badge(className, label) {
    var element = document.createElement("span");
    element.className = "progress-badge " + className;
    element.textContent = label;
    return element;
  }

  function summaryLine(state) {
    var parts = [text("textSections", { read: state.sections_read, total: state.sections_total })];
    if (state.quiz && state.quiz.best) parts.push(text("textBest", { percent: state.quiz.best.percent }));
    return parts.join(" · ");
  }

  // --- module page ---------------------------------------------------------

  function showModule(article) {
    var slug = article.dataset.module;
    var state = moduleState(slug);
    if (!state) return;
    var summary = article.querySelector(".progress-summary");
    if (!summary) {
      summary = document.createElement("p");
      summary.className = "progress-summary";
      summary.setAttribute("aria-live", "polite");
      var meta = article.querySelector(".module__meta");
      if (meta) meta.insertAdjacentElement("afterend", summary);
      else article.insertBefore(summary, article.firstChild);
    }
    summary.textContent = "";
    if (state.completed) summary.appendChild(badge("progress-badge--done", text("textCompleted")));
    if (state.sections_read || (state.quiz && state.quiz.attempts)) {
      summary.appendChild(document.createTextNode(" " + summaryLine(state)));
    }
    article.querySelectorAll("details[data-section]").forEach(function (details) {
      var section = state.sections[details.dataset.section];
      if (section && section.read) showRead(details);
    });
  }

  function showRead(details) {
    var title = details.querySelector("summary");
    if (title && !title.querySelector(".progress-badge--read")) {
      title.appendChild(document.createTextNode(" "));
      title.appendChild(badge("progress-badge--read", text("textRead")));
    }
    var tools = details.querySelector("[data-section-tools]");
    var control = tools && tools.querySelector("[data-mark-read]");
    if (control) {
      var done = document.createElement("span");
      done.className = "section-tools__done";
      done.setAttribute("data-marked-read", "");
      done.textContent = "✓ " + text("textMarked");
      control.replaceWith(done);
    }
  }

  // A read sent sooner than the section can be read is not stored: the answer says how
  // many seconds are left, and the promise fails with them, so the caller can try again.
  function markRead(article, details) {
    var slug = article.dataset.module;
    var section = details.dataset.section;
    return record("section-read", slug, section).then(function (body) {
      var early = (body && body.not_yet || []).filter(function (item) { return item.section === section; })[0];
      if (early) {
        delete sent[["section-read", slug, section].join("|")];
        var error = new Error(early.message);
        error.wait = early.wait;
        throw error;
      }
      noteRead(slug, section);
      showRead(details);
      showModule(article);
    });
  }

  // "Mark as read" becomes a button that saves in place; the link stays the fallback.
  function enhanceMarkRead(article, details) {
    var link = details.querySelector("[data-mark-read]");
    if (!link) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    button.setAttribute("data-mark-read", "");
    button.textContent = link.textContent;
    var note = document.createElement("span");
    note.className = "section-tools__note";
    note.setAttribute("role", "status");
    button.addEventListener("click", function () {
      button.disabled = true;
      markRead(article, details).catch(function (error) {
        button.disabled = false;
        if (error.wait) {
          note.textContent = error.message;
          if (!note.parentNode) button.insertAdjacentElement("afterend", note);
        } else {
          button.textContent = text("textNotSaved");
        }
      });
    });
    link.replaceWith(button);
  }

  // A section counts as read once its end has been on screen for a moment while open.
  function watchReading(article, details) {
    var end = details.querySelector("[data-section-tools]");
    if (!end || !window.IntersectionObserver) return;
    var timer = null;
    var observer = new IntersectionObserver(function (entries) {
      var visible = entries.some(function (entry) { return entry.isIntersecting; });
      clearTimeout(timer);
      if (visible && details.open) {
        timer = setTimeout(function () {
          observer.disconnect();
          markRead(article, details).catch(function (error) {
            // Too soon: look again once the reading time has passed (if still open).
            if (error.wait) setTimeout(function () { observer.observe(end); }, error.wait * 1000);
            else observer.observe(end);
          });
        }, 1500);
      }
    });
    observer.observe(end);
  }

  function setUpModule(article) {
    var slug = article.dataset.module;
    article.querySelectorAll("details[data-section]").forEach(function (details) {
      enhanceMarkRead(article, details);
      watchReading(article, details);
      details.addEventListener("toggle", function () {
        if (details.open) record("section-opened", slug, details.dataset.section).catch(function () {});
      });
      if (details.open) record("section-opened", slug, details.dataset.section).catch(function () {});
    });
  }

  // The audio player announces what was listened to; any element or the document may send it.
  window.addEventListener("omnicourse:audio-listened", function (event) {
    var detail = event.detail || {};
    var article = document.querySelector("article[data-module]");
    var slug = detail.module || (article && article.dataset.module);
    if (!slug) return;
    record("audio-listened", slug, detail.section || null).catch(function () {});
  }, true);

  // A self-test graded in the browser (static copy): kept with the rest.
  window.addEventListener("omnicourse:quiz-graded", function (event) {
    var detail = event.detail || {};
    if (local && detail.module) {
      keptEvent({ event: "quiz-graded", module: detail.module, passed: detail.passed,
        ratio: detail.total ? detail.score / detail.total : 0 });
    }
  });

  // --- course home ---------------------------------------------------------

  function showCard(card) {
    var state = moduleState(card.dataset.module);
    if (!state || (!state.sections_read && !(state.quiz && state.quiz.attempts))) return;
    var line = card.querySelector(".progress-summary") || document.createElement("p");
    line.className = "progress-summary";
    line.textContent = "";
    if (state.completed) line.appendChild(badge("progress-badge--done", text("textCompleted")));
    line.appendChild(document.createTextNode(" " + summaryLine(state) + " "));
    if (!state.completed && state.next_section) {
      var link = document.createElement("a");
      var title = card.querySelector("a");
      link.href = (title ? title.getAttribute("href") : "") + "#" + encodeURIComponent(state.next_section);
      link.textContent = text("textContinue");
      line.appendChild(link);
    }
    card.appendChild(line);
  }

  function start() {
    var article = document.querySelector("article[data-module]");
    var cards = document.querySelectorAll(".module-card[data-module]");
    if (!article && !cards.length) return;
    if (article) setUpModule(article);
    if (local) {
      progress = keptProgress();
      if (article) showModule(article);
      cards.forEach(showCard);
      return;
    }
    fetch(config.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(json)
      .then(function (answer) {
        if (!answer.ok) return;
        progress = answer.body;
        if (progress.csrf_token) token = progress.csrf_token;
        if (article) showModule(article);
        cards.forEach(showCard);
      })
      .catch(function () {});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
