// A module as a SCO of a SCORM package (`omnicourse export scorm12|scorm2004`): finds the
// LMS's API in a parent or opener window, reports the self-test (status, score, one
// interaction per question) and the session time, and keeps the learner's place and
// answers in suspend_data so a new launch resumes. Without an LMS the page works as is.
(function () {
  "use strict";

  var script = document.currentScript;
  var is2004 = script && script.dataset.scormVersion === "scorm2004";
  var form = document.querySelector("form[data-static-quiz]");
  var keyElement = document.getElementById("quiz-key");
  var key = keyElement ? JSON.parse(keyElement.textContent) : null;

  // The ADL way: the window's parents, then its opener's, up to 500 steps each.
  function findApi(start) {
    var name = is2004 ? "API_1484_11" : "API";
    function search(win) {
      for (var tries = 0; win && tries < 500; tries++) {
        try {
          if (win[name]) return win[name];
        } catch (error) { /* another origin: not ours to ask */ }
        if (!win.parent || win.parent === win) return null;
        win = win.parent;
      }
      return null;
    }
    var found = search(start);
    try {
      if (!found && start.opener) found = search(start.opener);
      if (!found && start.top && start.top.opener) found = search(start.top.opener);
    } catch (error) { /* an opener of another origin */ }
    return found;
  }

  var api = findApi(window);
  if (!api) return;

  // The two versions' calls and names for the same things.
  var lms = is2004 ? {
    start: function () { return api.Initialize("") === "true"; },
    get: function (name) { return api.GetValue(name); },
    set: function (name, value) { return api.SetValue(name, String(value)); },
    commit: function () { api.Commit(""); },
    finish: function () { api.Terminate(""); },
  } : {
    start: function () { return api.LMSInitialize("") === "true"; },
    get: function (name) { return api.LMSGetValue(name); },
    set: function (name, value) { return api.LMSSetValue(name, String(value)); },
    commit: function () { api.LMSCommit(""); },
    finish: function () { api.LMSFinish(""); },
  };
  var cmi = is2004 ? {
    location: "cmi.location", exit: "cmi.exit",
    sessionTime: "cmi.session_time", score: "cmi.score", response: "learner_response",
    wrong: "incorrect", list: "[,]", pair: "[.]",
  } : {
    location: "cmi.core.lesson_location", exit: "cmi.core.exit",
    sessionTime: "cmi.core.session_time", score: "cmi.core.score", response: "student_response",
    wrong: "wrong", list: ",", pair: ".",
  };
  var INTERACTION_TYPE = {
    single: "choice", multiple: "choice", "true-false": "choice",
    ordering: "sequencing", matching: "matching",
  };

  if (!lms.start()) return;
  var startedAt = Date.now();
  var state = readState();
  var restoring = false;
  var finished = false;

  function readState() {
    var saved = {};
    try { saved = JSON.parse(lms.get("cmi.suspend_data") || "{}") || {}; } catch (error) { saved = {}; }
    return {
      answers: saved.answers || {},
      graded: Boolean(saved.graded),
      best: typeof saved.best === "number" ? saved.best : null,
      place: lms.get(cmi.location) || "",
    };
  }

  function save() {
    lms.set("cmi.suspend_data", JSON.stringify({ answers: state.answers, graded: state.graded, best: state.best }));
    if (state.place) lms.set(cmi.location, state.place);
    lms.commit();
  }

  function setStatus(passed) {
    if (is2004) {
      lms.set("cmi.completion_status", passed === null ? "incomplete" : "completed");
      if (passed !== null) lms.set("cmi.success_status", passed ? "passed" : "failed");
    } else {
      lms.set("cmi.core.lesson_status", passed === null ? "incomplete" : passed ? "passed" : "failed");
    }
  }

  function firstLaunch() {
    var status = is2004 ? lms.get("cmi.completion_status") : lms.get("cmi.core.lesson_status");
    if (status !== "not attempted" && status !== "unknown" && status !== "") return;
    if (!key) {  // nothing to pass: reading the module is all there is
      if (is2004) lms.set("cmi.completion_status", "completed");
      else lms.set("cmi.core.lesson_status", "completed");
    } else {
      setStatus(null);
    }
  }

  // Answers as the form holds them: each field's name and the values chosen.
  function formAnswers() {
    var answers = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) return;
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) return;
      if (field.tagName === "SELECT" && !field.value) return;
      if (field.tagName !== "SELECT" && field.type !== "checkbox" && field.type !== "radio") return;
      (answers[field.name] = answers[field.name] || []).push(field.value);
    });
    return answers;
  }

  function restoreAnswers(answers) {
    Array.prototype.forEach.call(form.elements, function (field) {
      var values = answers[field.name];
      if (!values) return;
      if (field.type === "checkbox" || field.type === "radio") field.checked = values.indexOf(field.value) !== -1;
      else if (field.tagName === "SELECT") field.value = values[0];
    });
  }

  function goTo(place) {
    var target = document.getElementById(place);
    if (!target) return;
    if (target.tagName === "DETAILS") target.open = true;
    target.scrollIntoView();
  }

  // The learner's response and the right one in the data model's formats.
  function response(question, answer) {
    if (question.kind === "ordering") {  // answer: the place given to each item, in key order
      return question.keys.slice().sort(function (a, b) {
        return Number(answer[question.keys.indexOf(a)]) - Number(answer[question.keys.indexOf(b)]);
      }).join(cmi.list);
    }
    if (question.kind === "matching") {  // answer: the key chosen for each left item
      return question.keys.map(function (left, index) { return left + cmi.pair + answer[index]; }).join(cmi.list);
    }
    return answer.join(cmi.list);
  }

  function rightResponse(question) {
    if (question.kind === "ordering") return question.keys.join(cmi.list);
    if (question.kind === "matching") {
      return question.keys.map(function (left) { return left + cmi.pair + left; }).join(cmi.list);
    }
    return question.correct.join(cmi.list);
  }

  function reportInteractions(questions) {
    var first = parseInt(lms.get("cmi.interactions._count"), 10) || 0;
    questions.forEach(function (question, index) {
      var prefix = "cmi.interactions." + (first + index) + ".";
      lms.set(prefix + "id", question.id);
      lms.set(prefix + "type", INTERACTION_TYPE[question.kind] || "choice");
      if (is2004) lms.set(prefix + "description", question.prompt.slice(0, 250));
      lms.set(prefix + "correct_responses.0.pattern", rightResponse(question));
      lms.set(prefix + cmi.response, response(question, question.answer));
      lms.set(prefix + "result", question.points === 1 ? "correct" : cmi.wrong);
    });
  }

  function reportScore(ratio) {
    lms.set(cmi.score + ".min", 0);
    lms.set(cmi.score + ".max", 100);
    lms.set(cmi.score + ".raw", Math.round(ratio * 10000) / 100);
    if (is2004) lms.set(cmi.score + ".scaled", Math.round(ratio * 10000) / 10000);
  }

  // 1.2: HH:MM:SS.SS; 2004: an ISO 8601 duration, PT#H#M#S.
  function sessionTime(milliseconds) {
    var centiseconds = Math.round(milliseconds / 10);
    var hours = Math.floor(centiseconds / 360000);
    var minutes = Math.floor(centiseconds / 6000) % 60;
    var seconds = (centiseconds % 6000) / 100;
    if (is2004) return "PT" + hours + "H" + minutes + "M" + seconds + "S";
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(hours) + ":" + two(minutes) + ":" + two(Math.floor(seconds)) + "." +
      two(centiseconds % 100);
  }

  function finish() {
    if (finished) return;
    finished = true;
    lms.set(cmi.sessionTime, sessionTime(Date.now() - startedAt));
    lms.set(cmi.exit, "suspend");  // a next launch resumes where this one left off
    save();
    lms.finish();
  }

  firstLaunch();

  document.addEventListener("toggle", function (event) {
    var section = event.target;
    if (section.tagName === "DETAILS" && section.open && section.id) {
      state.place = section.id;
      save();
    }
  }, true);

  if (form) {
    form.addEventListener("change", function () {
      state.answers = formAnswers();
      state.place = "self-test";
      save();
    });
    window.addEventListener("omnicourse:quiz-graded", function (event) {
      if (restoring) return;
      var result = event.detail;
      var ratio = result.total ? result.score / result.total : 0;
      state.answers = formAnswers();
      state.graded = true;
      state.place = "self-test";
      state.best = state.best === null ? ratio : Math.max(state.best, ratio);
      reportInteractions(result.questions);
      reportScore(state.best);  // the best attempt counts, as on the site
      setStatus(state.best >= result.threshold);
      save();
    });
    window.addEventListener("omnicourse:quiz-reset", function () {
      state.answers = {};
      state.graded = false;
      save();
    });
  }

  // A new launch of a suspended attempt: the answers, the review if it was shown, the place.
  if (form && Object.keys(state.answers).length) {
    restoreAnswers(state.answers);
    if (state.graded) {
      restoring = true;
      form.requestSubmit();
      restoring = false;
    }
  }
  if (state.place) goTo(state.place);

  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);
})();
