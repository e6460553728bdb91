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
        quiz: quiz, next_section: next, audio_listened: !!mine.listened,
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

  // How much of a module is done: its sections, its audio (where it has some) and its self-test.
  function share(state, hasAudio) {
    var steps = state.sections_total + (state.quiz ? 1 : 0) + (hasAudio ? 1 : 0);
    var done = state.sections_read + (state.quiz && state.quiz.passed ? 1 : 0) +
      (hasAudio && state.audio_listened ? 1 : 0);
    return { done: done, steps: steps };
  }

  function percent(part) {
    return part.steps ? Math.round(part.done / part.steps * 100) : 0;
  }

  function fillBar(bar, ratio, label) {
    bar.hidden = false;
    bar.querySelector(".progress-bar__fill").style.width = ratio + "%";
    bar.querySelector(".progress-bar__label").textContent = label;
  }

  var firstShow = true;

  function showModule(article) {
    var slug = article.dataset.module;
    var state = moduleState(slug);
    if (!state) return;
    var bar = article.querySelector("[data-module-progress]");
    var started = state.sections_read || (state.quiz && state.quiz.attempts);
    if (bar && started) {
      fillBar(bar, percent(share(state, !!article.querySelector("#audio audio"))), summaryLine(state));
      var label = bar.querySelector(".progress-bar__label");
      if (state.completed) label.insertBefore(badge("progress-badge--done", text("textCompleted")), label.firstChild);
    }
    article.querySelectorAll("details[data-section]").forEach(function (details) {
      var section = state.sections[details.dataset.section];
      if (section && section.read) showRead(details);
    });
    if (firstShow) {
      firstShow = false;
      openWhereLeftOff(article, state);
    }
  }

  // Back on a module without a #section in the address: the first section the learner has
  // not read is the open one, not the first section of the module.
  function openWhereLeftOff(article, state) {
    if (window.location.hash || !state.next_section || !state.sections_read) return;
    var next = article.querySelector('details[data-section="' + CSS.escape(state.next_section) + '"]');
    if (!next || next.open) return;
    article.querySelectorAll("details[data-section][open]").forEach(function (details) {
      if (state.sections[details.dataset.section] && state.sections[details.dataset.section].read) details.open = false;
    });
    next.open = true;
  }

  function showRead(details) {
    details.classList.add("section--read");
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
        if (details.open && !details.hasAttribute("data-opened-for-print")) record("section-opened", slug, details.dataset.section).catch(function () {});
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

  var RING = 2 * Math.PI * 20;

  function ring(ratio, label) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "ring");
    svg.setAttribute("viewBox", "0 0 48 48");
    svg.setAttribute("aria-hidden", "true");
    svg.innerHTML = '<circle class="ring__track" cx="24" cy="24" r="20"/>' +
      '<circle class="ring__fill" cx="24" cy="24" r="20" stroke-dasharray="' + RING.toFixed(2) +
      '" stroke-dashoffset="' + (RING * (1 - ratio / 100)).toFixed(2) + '"/>' +
      '<text class="ring__text" x="24" y="24"></text>';
    svg.querySelector("text").textContent = label;
    if (!ratio) svg.querySelector(".ring__fill").style.display = "none";
    return svg;
  }

  function showCard(card) {
    var state = moduleState(card.dataset.module);
    if (!state) return null;
    var part = share(state, card.hasAttribute("data-audio"));
    var started = state.sections_read || (state.quiz && state.quiz.attempts) || state.audio_listened;
    var line = card.querySelector(".progress-summary") || document.createElement("div");
    line.className = "progress-summary module-card__progress";
    line.textContent = "";
    line.appendChild(ring(percent(part), percent(part) + "%"));
    var words = document.createElement("span");
    var parts = [started ? text("textDone", { percent: percent(part) }) : text("textNotStarted")];
    if (started) parts.push(summaryLine(state));
    if (state.audio_listened) parts.push(text("textListened"));
    words.textContent = parts.join(" · ");
    if (state.completed) words.insertBefore(badge("progress-badge--done", text("textCompleted")), words.firstChild);
    line.appendChild(words);
    card.appendChild(line);
    return { card: card, state: state, part: part, started: started };
  }

  function moduleLink(card, state) {
    var title = card.querySelector(".module-card__title a");
    var href = title ? title.getAttribute("href") : "";
    return state.next_section && !state.completed ? href + "#" + encodeURIComponent(state.next_section) : href;
  }

  // The course's progress, and the card that takes the learner back to where they were.
  function showCourse(shown) {
    var done = 0, steps = 0;
    shown.forEach(function (item) { done += item.part.done; steps += item.part.steps; });
    var bar = document.querySelector("[data-course-progress]");
    var started = shown.filter(function (item) { return item.started; });
    if (!bar || !started.length) return;
    fillBar(bar, percent({ done: done, steps: steps }), text("textCourse", { percent: percent({ done: done, steps: steps }) }));
    var open = started.filter(function (item) { return !item.state.completed; });
    open.sort(function (a, b) { return (b.state.updated_at || "").localeCompare(a.state.updated_at || ""); });
    var target = open[0] || shown.filter(function (item) { return !item.state.completed; })[0];
    var box = document.querySelector("[data-continue]");
    if (!box || !target) return;
    var title = target.card.querySelector(".module-card__title a");
    box.querySelector("[data-continue-module]").textContent = (title ? title.textContent : "") + " · " + summaryLine(target.state);
    box.querySelector("[data-continue-link]").href = moduleLink(target.card, target.state);
    box.hidden = false;
    var startButton = document.querySelector("[data-start-course]");
    if (startButton) startButton.hidden = true;
  }

  function showHome(cards) {
    var shown = [];
    cards.forEach(function (card) {
      var item = showCard(card);
      if (item) shown.push(item);
    });
    showCourse(shown);
  }

  function start() {
    var article = document.querySelector("article[data-module]");
    var cards = document.querySelectorAll(".module-card[data-module]");
    if (!article && !cards.length) return;
    if (article) setUpModule(article);
    if (local) {
      progress = keptProgress();
      if (article) showModule(article);
      showHome(cards);
      return;
    }
    fetch(config.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(json)
      .then(function (answer) {
        if (!answer.ok) return;
        progress = answer.body;
        if (progress.csrf_token) token = progress.csrf_token;
        if (article) showModule(article);
        showHome(cards);
      })
      .catch(function () {});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
