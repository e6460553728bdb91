// The module's audio player: speed, skipping, a play button in each section, the position
// remembered between visits, and an "omnicourse:audio-listened" event for progress tracking
// once most of the module (or of a section) has been heard. Where no audio file exists, the
// device's own voice (Web Speech API) reads the text, if it has a voice for the language.
// Without this file the page still has a plain <audio controls> or a notice.
(function () {
  "use strict";

  var LISTENED_SHARE = 0.9;
  var RATE_KEY = "omnicourse:audio-rate";

  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) { /* storage may be full or forbidden: remembering is optional */ }
  }

  function recall(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function announceListened(module, section) {
    document.dispatchEvent(new CustomEvent("omnicourse:audio-listened", {
      detail: { module: module, section: section }
    }));
  }

  function strings(root) {
    var node = root.querySelector("[data-audio-strings]");
    return node ? node.dataset : {};
  }

  // Seconds of [start, end) covered by a TimeRanges object.
  function covered(ranges, start, end) {
    var total = 0;
    for (var i = 0; i < ranges.length; i++) {
      total += Math.max(0, Math.min(end, ranges.end(i)) - Math.max(start, ranges.start(i)));
    }
    return total;
  }

  function sectionBody(id) {
    var section = document.querySelector('details.section[data-section="' + CSS.escape(id) + '"]');
    return section && section.querySelector(".section__body");
  }

  function addSectionButton(id, label, title, onClick) {
    var body = sectionBody(id);
    if (!body) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button audio-part-button";
    button.dataset.audioUi = "";
    button.textContent = label;
    button.setAttribute("aria-label", label + ": " + title);
    button.addEventListener("click", onClick);
    body.insertBefore(button, body.firstChild);
  }

  function setUpFilePlayer(root) {
    var audio = root.querySelector("audio");
    var text = strings(root);
    var module = root.dataset.module;
    var status = root.querySelector("[data-audio-status]");
    var moduleSrc = audio.getAttribute("src");
    var current = { src: moduleSrc, section: null };
    var heard = {};
    var lastSaved = 0;

    function say(message) { status.textContent = message || ""; }
    function positionKey(src) { return "omnicourse:audio-position:" + src.split("?")[0]; }

    function savePosition() {
      if (!audio.duration || audio.ended) return;
      store(positionKey(current.src), { src: current.src, time: audio.currentTime });
    }

    var controls = root.querySelector("[data-audio-controls]");
    controls.hidden = false;
    root.classList.add("audio-bar--enhanced");
    controls.addEventListener("click", function (event) {
      var button = event.target.closest("[data-audio-skip]");
      if (!button) return;
      var target = audio.currentTime + Number(button.dataset.audioSkip);
      audio.currentTime = Math.max(0, Math.min(audio.duration || 0, target));
    });
    setUpBar(root, audio, function () { return current; });

    var speed = root.querySelector("[data-audio-speed]");
    var savedRate = recall(RATE_KEY);
    if (savedRate) speed.value = String(savedRate);
    audio.playbackRate = Number(speed.value) || 1;
    speed.addEventListener("change", function () {
      audio.playbackRate = Number(speed.value) || 1;
      store(RATE_KEY, audio.playbackRate);
    });

    audio.addEventListener("loadedmetadata", function () {
      audio.playbackRate = Number(speed.value) || 1;
      var saved = recall(positionKey(current.src));
      if (current.start !== undefined) {
        audio.currentTime = current.start;
        current.start = undefined;
      } else if (saved && saved.src === current.src && saved.time < audio.duration - 5) {
        audio.currentTime = saved.time;
        say(text.resumed);
      }
    });
    audio.addEventListener("timeupdate", function () {
      if (Date.now() - lastSaved > 3000) {
        lastSaved = Date.now();
        savePosition();
      }
      checkListened();
    });
    audio.addEventListener("pause", savePosition);
    window.addEventListener("pagehide", savePosition);
    audio.addEventListener("ended", function () {
      store(positionKey(current.src), null);
      checkListened();
      say(text.done);
      if (current.src !== moduleSrc) play(moduleSrc, null, false);
    });

    var parts = Array.prototype.slice.call(root.querySelectorAll("[data-audio-part]"));

    function once(key, section) {
      if (heard[key]) return;
      heard[key] = true;
      announceListened(module, section);
    }

    function checkListened() {
      if (!audio.duration) return;
      if (current.section) {
        if (covered(audio.played, 0, audio.duration) >= LISTENED_SHARE * audio.duration) {
          once("section:" + current.section, current.section);
        }
        return;
      }
      parts.forEach(function (part) {
        if (part.dataset.start === undefined) return;
        var start = Number(part.dataset.start), end = Number(part.dataset.end);
        if (covered(audio.played, start, end) >= LISTENED_SHARE * (end - start)) {
          once("section:" + part.dataset.audioPart, part.dataset.audioPart);
        }
      });
      if (covered(audio.played, 0, audio.duration) >= LISTENED_SHARE * audio.duration) {
        once("module", null);
      }
    }

    function play(src, section, start) {
      savePosition();
      if (src !== current.src) {
        current = { src: src, section: section };
        audio.src = src;
      }
      if (start === false) return;  // load only
      if (typeof start === "number") {
        if (audio.readyState >= 1) audio.currentTime = start;
        else current.start = start;
      }
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () { /* blocked: the user can press play */ });
    }

    parts.forEach(function (part) {
      var id = part.dataset.audioPart, title = part.dataset.title;
      var inModule = part.dataset.start !== undefined;
      if (!inModule && !part.dataset.src) return;
      function start() {
        if (inModule) play(moduleSrc, null, Number(part.dataset.start));
        else play(part.dataset.src, id, 0);
        say((text.playing || "{title}").replace("{title}", title));
      }
      addSectionButton(id, text.playPart, title, start);
      var link = part.querySelector("a[type='audio/mpeg']");
      if (link) {
        link.addEventListener("click", function (event) {
          event.preventDefault();
          start();
        });
      }
    });
    // static/js/read-along.js: a click on a sentence plays the module's file from there.
    root.addEventListener("audio:play-at", function (event) {
      play(moduleSrc, null, event.detail.time);
    });
    // The bar stays on screen while the module scrolls; the list of parts need not.
    var more = root.querySelector(".audio-bar__more");
    if (more) root.insertAdjacentElement("afterend", more);
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var minutes = Math.floor(seconds / 60), rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  // The compact bar: one play/pause button, a position slider, the time and the part being heard.
  function setUpBar(root, audio, current) {
    var play = root.querySelector("[data-audio-play]");
    var seek = root.querySelector("[data-audio-seek]");
    var time = root.querySelector("[data-audio-time]");
    var now = root.querySelector("[data-audio-now]");
    var parts = Array.prototype.slice.call(root.querySelectorAll("[data-audio-part][data-start]"));
    var moduleTitle = now.textContent;
    var seeking = false;

    function partTitle() {
      var playing = current();
      if (playing.section) {
        var own = document.querySelector('[data-audio-part="' + CSS.escape(playing.section) + '"]');
        return own ? own.dataset.title : moduleTitle;
      }
      var at = audio.currentTime;
      for (var i = 0; i < parts.length; i++) {
        if (at >= Number(parts[i].dataset.start) && at < Number(parts[i].dataset.end)) return parts[i].dataset.title;
      }
      return moduleTitle;
    }

    function show() {
      var duration = audio.duration || 0;
      if (!seeking) seek.value = duration ? String(Math.round(audio.currentTime / duration * 1000) / 10) : "0";
      seek.setAttribute("aria-valuetext", clock(audio.currentTime) + " / " + clock(duration));
      if (duration) time.textContent = clock(audio.currentTime) + " / " + clock(duration);
      var title = partTitle();
      if (now.textContent !== title) now.textContent = title;
    }

    function showPlaying() {
      var paused = audio.paused;
      play.setAttribute("aria-label", paused ? play.dataset.labelPlay : play.dataset.labelPause);
      play.innerHTML = paused ? ICONS.play : ICONS.pause;
    }

    play.addEventListener("click", function () {
      if (audio.paused) {
        var playing = audio.play();
        if (playing && playing.catch) playing.catch(function () {});
      } else {
        audio.pause();
      }
    });
    seek.step = "0.1";
    seek.addEventListener("input", function () {
      seeking = true;
      if (audio.duration) time.textContent = clock(Number(seek.value) / 100 * audio.duration) + " / " + clock(audio.duration);
    });
    seek.addEventListener("change", function () {
      seeking = false;
      if (audio.duration) audio.currentTime = Number(seek.value) / 100 * audio.duration;
    });
    ["timeupdate", "loadedmetadata", "seeked", "emptied"].forEach(function (name) { audio.addEventListener(name, show); });
    ["play", "pause", "ended"].forEach(function (name) { audio.addEventListener(name, showPlaying); });
    show();
  }

  var ICONS = {
    play: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M8 5v14l11-7z" fill="currentColor"/></svg>',
    pause: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M8 5v14M16 5v14" stroke="currentColor" stroke-width="3"/></svg>'
  };

  function setUpSpeech(root) {
    var box = root.querySelector("[data-speech]");
    if (!box || !("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") return;
    var synth = window.speechSynthesis;
    var lang = (root.dataset.lang || document.documentElement.lang || "").toLowerCase();
    var text = strings(root);
    var module = root.dataset.module;
    var status = box.querySelector("[data-audio-status]");
    var playButton = box.querySelector("[data-speech-play]");
    var pauseButton = box.querySelector("[data-speech-pause]");
    var stopButton = box.querySelector("[data-speech-stop]");
    var speed = box.querySelector("[data-audio-speed]");
    var key = "omnicourse:speech-position:" + lang + ":" + module;
    var parts = Array.prototype.slice.call(root.querySelectorAll("template[data-speech-part]")).map(
      function (node) {
        return {
          id: node.dataset.speechPart,
          title: node.dataset.title,
          lines: node.content.textContent.split("\n").filter(function (line) { return line.trim(); })
        };
      });
    var voice = null, position = null, ready = false;

    function findVoice() {
      var voices = synth.getVoices();
      for (var i = 0; i < voices.length; i++) {
        var code = voices[i].lang.toLowerCase().replace("_", "-");
        if (code === lang || code.split("-")[0] === lang) return voices[i];
      }
      return null;
    }

    function say(message) { status.textContent = message || ""; }

    function setPlaying(playing) {
      pauseButton.disabled = !playing;
      stopButton.disabled = !playing;
    }

    function speakFrom(at, single) {
      synth.cancel();
      position = { part: at.part, line: at.line, single: single };
      setPlaying(true);
      say((text.playing || "{title}").replace("{title}", parts[at.part].title));
      next();
    }

    function next() {
      if (!position) return;
      var part = parts[position.part];
      if (position.line >= part.lines.length) {
        announceListened(module, part.id);
        if (position.single || position.part + 1 >= parts.length) {
          if (!position.single) {
            announceListened(module, null);
            store(key, null);
          }
          position = null;
          setPlaying(false);
          say(text.done);
          return;
        }
        position = { part: position.part + 1, line: 0, single: false };
        say((text.playing || "{title}").replace("{title}", parts[position.part].title));
      }
      store(key, { part: position.part, line: position.line });
      var utterance = new SpeechSynthesisUtterance(parts[position.part].lines[position.line]);
      utterance.lang = voice.lang;
      utterance.voice = voice;
      utterance.rate = Number(speed.value) || 1;
      var mine = position;
      utterance.onend = function () {
        if (position !== mine) return;  // stopped or restarted meanwhile
        position = { part: mine.part, line: mine.line + 1, single: mine.single };
        next();
      };
      synth.speak(utterance);
    }

    function enable() {
      if (ready || !(voice = findVoice())) return;
      ready = true;
      box.hidden = false;
      root.classList.add("audio-bar--enhanced");
      playButton.addEventListener("click", function () {
        if (synth.paused && position) {
          synth.resume();
          setPlaying(true);
          return;
        }
        var saved = recall(key);
        var valid = saved && parts[saved.part] && saved.line < parts[saved.part].lines.length;
        if (valid) say(text.resumed);
        speakFrom(valid ? saved : { part: 0, line: 0 }, false);
      });
      pauseButton.addEventListener("click", function () {
        synth.pause();
        pauseButton.disabled = true;
        say(text.paused);
      });
      stopButton.addEventListener("click", function () {
        position = null;
        synth.cancel();
        setPlaying(false);
      });
      parts.forEach(function (part, index) {
        addSectionButton(part.id, text.readPart, part.title, function () {
          speakFrom({ part: index, line: 0 }, true);
        });
      });
      window.addEventListener("pagehide", function () { synth.cancel(); });
    }

    enable();
    if (!ready && "onvoiceschanged" in synth) synth.addEventListener("voiceschanged", enable);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("audio");
    if (!root) return;
    if (root.querySelector("audio")) setUpFilePlayer(root);
    else setUpSpeech(root);
  });
})();
