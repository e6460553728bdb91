// A module as a cmi5 AU (`omnicourse export cmi5`). The LMS launches the page with
// endpoint, fetch, actor, registration and activityId in its query; the AU gets its
// token from the fetch URL, reads the LMS.LaunchData state document (context template,
// launch mode, mastery score) and sends xAPI 1.0.3 statements to the LMS's LRS:
//   initialized                when the page opens;
//   completed                  once every section has been opened (read);
//   failed / passed            when the self-test is graded (scaled score, success:
//                              passed only if scaled >= masteryScore); a failed at most
//                              once a session, nothing more once passed;
//   terminated                 when the learner leaves (pagehide, a keepalive request).
// Each has the context template, the registration, the cmi5 category (and the moveon
// category on completed, passed and failed) and the session id; completed, passed,
// failed and terminated have the session's duration. In Browse or Review mode only
// initialized and terminated are sent. Without a cmi5 launch the page works as is.
(function () {
  "use strict";

  var XAPI_VERSION = "1.0.3";
  var VERB = "http://adlnet.gov/expapi/verbs/";
  var CMI5 = "https://w3id.org/xapi/cmi5/";
  var CATEGORY = { id: CMI5 + "context/categories/cmi5" };
  var MOVE_ON = { id: CMI5 + "context/categories/moveon" };
  var SESSION_ID = CMI5 + "context/extensions/sessionid";
  var MASTERY_SCORE = CMI5 + "context/extensions/masteryscore";
  var VERB_NAMES = {
    initialized: "initialized", completed: "completed", passed: "passed",
    failed: "failed", terminated: "terminated",
  };

  var query = new URLSearchParams(window.location.search);
  var launch = {
    endpoint: query.get("endpoint"),
    fetch: query.get("fetch"),
    actor: query.get("actor"),
    registration: query.get("registration"),
    activityId: query.get("activityId"),
  };
  if (!launch.endpoint || !launch.fetch || !launch.actor || !launch.registration ||
      !launch.activityId) return;
  var endpoint = launch.endpoint.replace(/\/?$/, "/");
  var actor;
  try { actor = JSON.parse(launch.actor); } catch (error) { return; }

  var startedAt = Date.now();
  var auth = null;
  var launchData = {};
  var sessionId = null;
  var normal = true;
  var sent = { completed: false, passed: false, failed: false, terminated: false };
  var pending = [];  // statements waiting for the one before them (and for the token)
  var sending = null;

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // ISO 8601, as xAPI wants a duration: PT#S, to the hundredth of a second.
  function duration() {
    return "PT" + (Math.round((Date.now() - startedAt) / 10) / 100) + "S";
  }

  function headers(json) {
    var found = { "X-Experience-API-Version": XAPI_VERSION, Authorization: auth };
    if (json) found["Content-Type"] = "application/json";
    return found;
  }

  function context(moveOn, extra) {
    var template = JSON.parse(JSON.stringify(launchData.contextTemplate || {}));
    var activities = template.contextActivities = template.contextActivities || {};
    var category = activities.category = activities.category || [];
    category.push(CATEGORY);
    if (moveOn) category.push(MOVE_ON);
    template.registration = launch.registration;
    template.extensions = template.extensions || {};
    template.extensions[SESSION_ID] = sessionId;
    Object.keys(extra || {}).forEach(function (name) { template.extensions[name] = extra[name]; });
    return template;
  }

  function statement(verb, options) {
    options = options || {};
    var made = {
      id: uuid(),
      timestamp: new Date().toISOString(),
      actor: actor,
      verb: { id: VERB + verb, display: { "en-US": VERB_NAMES[verb] } },
      object: { objectType: "Activity", id: launch.activityId },
      context: context(options.moveOn, options.extensions),
    };
    if (options.result) made.result = options.result;
    return made;
  }

  // One statement after the other, in the order they were made.
  function send(made) {
    pending.push(made);
    if (!sending) sending = drain();
  }

  function drain() {
    return ready.then(function next() {
      if (!pending.length) { sending = null; return null; }
      var batch = pending.splice(0, pending.length);
      return post(batch, false).then(next, next);
    });
  }

  function post(statements, keepalive) {
    return window.fetch(endpoint + "statements", {
      method: "POST", headers: headers(true), body: JSON.stringify(statements),
      keepalive: keepalive, credentials: "omit",
    });
  }

  function stateUrl() {
    return endpoint + "activities/state?" + new URLSearchParams({
      activityId: launch.activityId, agent: JSON.stringify(actor),
      registration: launch.registration, stateId: "LMS.LaunchData",
    }).toString();
  }

  // The launch: the token, then the launch data, then initialized.
  var ready = window.fetch(launch.fetch, { method: "POST", credentials: "omit" })
    .then(function (answer) { return answer.json(); })
    .then(function (token) {
      if (!token["auth-token"]) throw new Error("the LMS gave no token: " + JSON.stringify(token));
      auth = "Basic " + token["auth-token"];
      return window.fetch(stateUrl(), { headers: headers(false), credentials: "omit" });
    })
    .then(function (answer) { return answer.ok ? answer.json() : {}; })
    .then(function (data) {
      launchData = data || {};
      var template = launchData.contextTemplate || {};
      sessionId = (template.extensions || {})[SESSION_ID] || uuid();
      normal = !launchData.launchMode || launchData.launchMode === "Normal";
    });
  ready.catch(function (error) { console.error("cmi5 launch failed:", error); });

  var startup = ready.then(function () {
    send(statement("initialized"));
    readSections();
  });

  function masteryScore(threshold) {
    var given = launchData.masteryScore;
    return typeof given === "number" ? given : threshold;
  }

  function complete() {
    if (!normal || sent.completed || sent.terminated) return;
    sent.completed = true;
    send(statement("completed", { moveOn: true, result: { completion: true, duration: duration() } }));
  }

  // Completed once every section has been opened; a page without sections is read at once.
  var opened = {};
  function readSections() {
    var sections = document.querySelectorAll("details[data-section]");
    Array.prototype.forEach.call(sections, function (section) {
      if (section.open) opened[section.id] = true;
    });
    if (Object.keys(opened).length >= sections.length) complete();
  }
  document.addEventListener("toggle", function (event) {
    if (event.target.matches && event.target.matches("details[data-section]")) {
      startup.then(readSections);
    }
  }, true);

  window.addEventListener("omnicourse:quiz-graded", function (event) {
    var result = event.detail;
    startup.then(function () {
      if (!normal || sent.passed || sent.terminated) return;
      var scaled = result.total ? Math.round((result.score / result.total) * 10000) / 10000 : 0;
      var mastery = masteryScore(result.threshold);
      var passed = scaled >= mastery;
      if (!passed && sent.failed) return;
      sent[passed ? "passed" : "failed"] = true;
      var extensions = {};
      if (typeof launchData.masteryScore === "number") extensions[MASTERY_SCORE] = mastery;
      send(statement(passed ? "passed" : "failed", {
        moveOn: true,
        extensions: extensions,
        result: {
          score: { scaled: scaled, raw: result.score, min: 0, max: result.total },
          success: passed, duration: duration(),
        },
      }));
    });
  });

  // Leaving: what is still waiting and terminated, in one request that outlives the page.
  function terminate() {
    if (sent.terminated || !auth) return;
    sent.terminated = true;
    var batch = pending.splice(0, pending.length);
    batch.push(statement("terminated", { result: { duration: duration() } }));
    post(batch, true).catch(function () { /* the page is gone */ });
  }
  window.addEventListener("pagehide", terminate);
  window.omnicourseCmi5 = { terminate: terminate, ready: startup };
})();
