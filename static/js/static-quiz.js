// Self-tests on a static copy of the course (`omnicourse export site`): graded in the
// browser by the server's rules (course/quiz.py: read_answers, points, grade), with the
// same review the server shows. The page holds its draw's answer key (#quiz-key).
// In a SCORM package (key.retry "in-place") the page has one draw: "again" clears the
// answers in place, and static/js/scorm.js reports each graded attempt to the LMS.
(function () {
  "use strict";

  var form = document.querySelector("form[data-static-quiz]");
  var keyElement = document.getElementById("quiz-key");
  var wordsElement = document.getElementById("quiz-words");
  if (!form || !keyElement || !wordsElement) return;
  var key = JSON.parse(keyElement.textContent);
  var words = wordsElement.dataset;
  var locale = words.locale;
  var CHOICE = { single: true, multiple: true, "true-false": true };
  var inPlace = key.retry === "in-place";
  var blankForm = form.innerHTML;

  function say(name, values) {
    var text = words[name] || "";
    Object.keys(values || {}).forEach(function (part) {
      text = text.split("{" + part + "}").join(String(values[part]));
    });
    return text;
  }

  function number(value) {
    return /^\d{1,3}$/.test(value || "") ? parseInt(value, 10) : 0;
  }

  function field(name) {
    var element = form.elements.namedItem(name);
    return element ? element.value : "";
  }

  // The answer as stored by the server: choice, the keys ticked, sorted; ordering, the
  // position given to each item in key order; matching, the answer key per left item.
  function readAnswer(question) {
    var byPlace = {};
    question.order.forEach(function (optionKey, index) { byPlace[index + 1] = optionKey; });
    if (CHOICE[question.kind]) {
      var chosen = [];
      form.querySelectorAll('input[name="' + question.id + '"]').forEach(function (input) {
        var optionKey = byPlace[number(input.value)];
        if (input.checked && optionKey && chosen.indexOf(optionKey) === -1) chosen.push(optionKey);
      });
      chosen.sort();
      return question.kind !== "multiple" && chosen.length > 1 ? [] : chosen;
    }
    if (question.kind === "ordering") {
      var positions = {};
      question.order.forEach(function (optionKey, index) {
        var position = number(field(question.id + "." + (index + 1)));
        positions[optionKey] = position >= 1 && position <= question.order.length ? String(position) : "";
      });
      return question.keys.map(function (optionKey) { return positions[optionKey] || ""; });
    }
    return question.keys.map(function (_, index) {
      return byPlace[number(field(question.id + "." + (index + 1)))] || "";
    });
  }

  function answered(question, answer) {
    if (CHOICE[question.kind]) return answer.length > 0;
    return answer.length === question.keys.length && answer.every(Boolean);
  }

  function marks(question, answer) {
    return question.keys.map(function (optionKey, index) {
      return question.kind === "ordering" ? answer[index] === String(index + 1) : answer[index] === optionKey;
    });
  }

  function points(question, answer) {
    if (!CHOICE[question.kind]) {
      var right = marks(question, answer).filter(Boolean).length;
      return right / question.keys.length;
    }
    var same = answer.length === question.correct.length &&
      answer.every(function (optionKey) { return question.correct.indexOf(optionKey) !== -1; });
    return same ? 1 : 0;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    node.setAttribute("lang", locale);
    return node;
  }

  function showMissing(unanswered) {
    var status = document.getElementById("quiz-status");
    status.textContent = "";
    var summary = element("div", "error-summary");
    summary.setAttribute("role", "alert");
    summary.appendChild(element("h2", "", say("missingTitle")));
    summary.appendChild(element("p", "", say("missingIntro")));
    var list = element("ul");
    unanswered.forEach(function (item) {
      var link = element("a", "", say("question", { number: item.number }));
      link.href = "#" + item.question.id;
      var entry = element("li");
      entry.appendChild(link);
      list.appendChild(entry);
      var fieldset = document.getElementById(item.question.id);
      fieldset.classList.add("question--missing");
      if (!fieldset.querySelector(".question__error")) {
        var error = element("p", "question__error",
          say(CHOICE[item.question.kind] ? "answerThis" : "answerItems"));
        error.id = item.question.id + "-error";
        fieldset.querySelector("legend").insertAdjacentElement("afterend", error);
        fieldset.setAttribute("aria-describedby", error.id);
      }
    });
    summary.appendChild(list);
    status.appendChild(summary);
    status.focus();
  }

  function tag(className, text) {
    return element("strong", "tag " + className, text);
  }

  // Mark each option, item or pair right or wrong and add the explanation, as the
  // server's review does (templates/learn/_question.html).
  function review(question, answer, share) {
    var fieldset = document.getElementById(question.id);
    var itemMarks = marks(question, answer);
    fieldset.classList.remove("question--missing");
    fieldset.classList.add(share === 1 ? "question--correct" : share > 0 ? "question--partly" : "question--wrong");
    if (CHOICE[question.kind]) {
      fieldset.querySelectorAll(".option").forEach(function (option, index) {
        var optionKey = question.order[index];
        var input = option.querySelector("input");
        var label = option.querySelector("label");
        var correct = question.correct.indexOf(optionKey) !== -1;
        if (correct) {
          option.classList.add("option--correct");
          label.appendChild(tag("tag--correct", say("correctAnswer")));
        } else if (input.checked) {
          option.classList.add("option--wrong");
          label.appendChild(tag("tag--wrong", say("wrongAnswer")));
        }
        input.disabled = true;
      });
    } else {
      fieldset.querySelectorAll(".item").forEach(function (item, index) {
        var select = item.querySelector("select");
        var position = question.kind === "ordering" ? question.keys.indexOf(question.order[index]) : index;
        var right = itemMarks[position];
        item.classList.add(right ? "option--correct" : "option--wrong");
        if (!right && question.kind === "ordering") {
          item.appendChild(tag("tag--wrong", say("rightPlace", { place: position + 1 })));
        } else if (!right) {
          var correctPlace = question.order.indexOf(question.keys[index]) + 1;
          var correctText = select.options[correctPlace] ? select.options[correctPlace].textContent : "";
          var hint = tag("tag--wrong", say("rightAnswer") + " ");
          var answerText = document.createElement("span");
          answerText.textContent = correctText;
          answerText.setAttribute("lang", form.getAttribute("lang") || locale);
          hint.appendChild(answerText);
          item.appendChild(hint);
        }
        select.disabled = true;
      });
    }
    var feedback = document.createElement("div");
    feedback.className = "feedback";
    feedback.setAttribute("role", "note");
    var verdict = share === 1 ? say("correct")
      : share > 0 ? say("partly", { right: itemMarks.filter(Boolean).length, total: itemMarks.length })
        : say("wrong");
    feedback.appendChild(element("p", "feedback__verdict", verdict));
    var explanation = document.querySelector('template[data-explanation="' + question.id + '"]');
    if (explanation) feedback.appendChild(explanation.content.cloneNode(true));
    fieldset.appendChild(feedback);
  }

  // Another draw of this self-test: the next page of those written, remembered per module.
  function nextDraw() {
    var memory = "omnicourse-draw:" + window.location.pathname.replace(/quiz\/.*$/, "");
    var next = (key.draw % key.draws) + 1;
    try { window.localStorage.setItem(memory, String(next)); } catch (error) { /* private mode */ }
    var here = window.location.pathname;
    var base = /\/quiz\/\d+\/(index\.html)?$/.test(here) ? "../" : "";
    return base + next + "/index.html";
  }

  function showResult(score, total, passed) {
    var status = document.getElementById("quiz-status");
    status.textContent = "";
    var section = element("section", "result " + (passed ? "result--passed" : "result--failed"));
    section.setAttribute("aria-labelledby", "result-title");
    var title = element("h2", "", say("score", {
      score: new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(score),
      total: total,
      percent: new Intl.NumberFormat(locale, { style: "percent" }).format(total ? score / total : 0),
    }));
    title.id = "result-title";
    section.appendChild(title);
    section.appendChild(element("p", "", say(passed ? "passed" : "failed")));
    var again = element(inPlace ? "button" : "a", "button", say("newTest"));
    if (inPlace) {
      again.type = "button";
      again.addEventListener("click", startAgain);
    } else {
      again.href = nextDraw();
    }
    var line = element("p");
    line.appendChild(again);
    section.appendChild(line);
    status.appendChild(section);
    status.focus();
  }

  // The same questions, unanswered, for another try (one draw in a SCORM package).
  function startAgain() {
    form.innerHTML = blankForm;
    form.classList.remove("quiz--review");
    document.getElementById("quiz-status").textContent = "";
    window.dispatchEvent(new CustomEvent("omnicourse:quiz-reset", { detail: { module: key.module } }));
    var first = form.querySelector("input, select");
    if (first) first.focus();
  }

  // What a report of the attempt (an LMS's interactions) needs of each question.
  function described(item) {
    var legend = document.getElementById(item.question.id).querySelector("legend");
    var number = legend.querySelector(".question__number");
    var hint = legend.querySelector(".question__hint");
    var text = legend.textContent;
    if (number) text = text.replace(number.textContent, "");
    if (hint) text = text.replace(hint.textContent, "");
    return {
      id: item.question.id, kind: item.question.kind, keys: item.question.keys,
      correct: item.question.correct, answer: item.answer, points: item.points,
      prompt: text.replace(/\s+/g, " ").trim(),
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var graded = key.questions.map(function (question, index) {
      var answer = readAnswer(question);
      return { question: question, answer: answer, number: index + 1, points: points(question, answer) };
    });
    var unanswered = graded.filter(function (item) { return !answered(item.question, item.answer); });
    if (unanswered.length) {
      showMissing(unanswered);
      return;
    }
    var sum = graded.reduce(function (total, item) { return total + item.points; }, 0);
    var score = Number(sum.toFixed(2));
    var total = graded.length;
    var passed = (total ? score / total : 0) >= key.threshold;
    graded.forEach(function (item) { review(item.question, item.answer, item.points); });
    form.classList.add("quiz--review");
    var button = form.querySelector('button[type="submit"]');
    if (button) button.parentNode.removeChild(button);
    form.dataset.score = String(score);
    showResult(score, total, passed);
    window.dispatchEvent(new CustomEvent("omnicourse:quiz-graded", {
      detail: {
        module: key.module, score: score, total: total, passed: passed, threshold: key.threshold,
        questions: graded.map(described),
      },
    }));
  });

  // Open the draw this browser takes next, when the self-test's own address is opened.
  if (!inPlace && !/\/quiz\/\d+\/(index\.html)?$/.test(window.location.pathname)) {
    try {
      var memory = "omnicourse-draw:" + window.location.pathname.replace(/quiz\/?(index\.html)?$/, "");
      var next = window.localStorage.getItem(memory);
      if (next && next !== "1") window.location.replace(next + "/index.html");
    } catch (error) { /* private mode: the first draw */ }
  }
})();
