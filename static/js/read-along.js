// Read-along: while the module's audio plays, the sentence being spoken is highlighted in the
// text and kept in view; clicking a sentence plays from there. The timings come from the
// audio's WebVTT track (<track kind="metadata">, one cue per sentence, ids "<part>-<n>").
// The highlight is the CSS Custom Highlight API, so the page's text and its reading order are
// never changed and nothing is announced: a screen reader reads the page as before. Browsers
// without the API play the audio as before, without highlight.
(function () {
  "use strict";

  var NAME = "read-along";
  var INTERACTIVE = "a, button, summary, input, select, textarea, label, [data-audio-ui]";
  var WORD_CHARACTER = /[\p{L}\p{N}]/u;

  // What two texts are compared by: letters and digits, lower case ("" for anything else).
  function letterOf(character) {
    return WORD_CHARACTER.test(character) ? character.toLowerCase() : "";
  }

  function normalise(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) out += letterOf(text.charAt(i));
    return out;
  }

  // Where each part's text is on the page: the intro is the title and the outcomes, a section
  // its <details>, the closing part the key points.
  function containers(part) {
    if (part === "_intro") {
      return Array.prototype.slice.call(document.querySelectorAll(".module__header h1, details.outcomes"));
    }
    if (part === "_key-points") return Array.prototype.slice.call(document.querySelectorAll(".key-points"));
    var section = document.querySelector('details.section[data-section="' + CSS.escape(part) + '"]');
    return section ? [section] : [];
  }

  // The letters and digits of a part's text, each with the text node and offset it comes from.
  function indexPart(part) {
    var letters = "", places = [];
    containers(part).forEach(function (element) {
      var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT, {
        acceptNode: function (node) {
          var parent = node.parentElement;
          if (!parent || parent.closest("[data-audio-ui], script, template, .visually-hidden")) {
            return NodeFilter.FILTER_REJECT;
          }
          return NodeFilter.FILTER_ACCEPT;
        }
      });
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var text = node.data;
        for (var i = 0; i < text.length; i++) {
          var letter = letterOf(text.charAt(i));
          if (!letter) continue;
          letters += letter;
          places.push([node, i]);
        }
      }
    });
    return { letters: letters, places: places };
  }

  function partOf(cue) {
    var id = cue.id || "";
    var dash = id.lastIndexOf("-");
    return dash > 0 ? id.slice(0, dash) : "";
  }

  function setUp(audio) {
    var element = audio.querySelector("track");
    if (!element || !window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
    var moduleSrc = audio.getAttribute("src");
    var track = element.track;
    track.mode = "hidden";
    var highlight = new Highlight();
    CSS.highlights.set(NAME, highlight);
    var parts = {};  // part → {places, cues: [{cue, from, to}]}
    var shown = null;
    var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

    function playingModule() { return audio.src.split("?")[0].endsWith(moduleSrc.split("?")[0]); }

    // Each cue of a part matched, in order, to the part's text on the page.
    function part(name) {
      if (parts[name]) return parts[name];
      var index = indexPart(name), from = 0, matched = [];
      var cues = Array.prototype.filter.call(track.cues || [], function (cue) { return partOf(cue) === name; });
      cues.forEach(function (cue) {
        var wanted = normalise(cue.text);
        var at = wanted ? index.letters.indexOf(wanted, from) : -1;
        if (at < 0) return;  // not on the page as spoken (a diagram, an abbreviation read out)
        matched.push({ cue: cue, from: at, to: at + wanted.length });
        from = at + wanted.length;
      });
      parts[name] = { places: index.places, cues: matched };
      return parts[name];
    }

    function rangeOf(found, match) {
      var first = found.places[match.from], last = found.places[match.to - 1];
      var range = document.createRange();
      range.setStart(first[0], first[1]);
      range.setEnd(last[0], last[1] + 1);
      return range;
    }

    function visible(range) {
      if (!range) return false;
      var box = range.getBoundingClientRect();
      return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight;
    }

    function keepInView(range) {
      var box = range.getBoundingClientRect();
      var bar = document.querySelector(".audio-bar--enhanced");
      var top = bar ? bar.getBoundingClientRect().bottom : 0;
      if (box.top >= top + 8 && box.bottom <= window.innerHeight - 24) return;
      var behavior = reducedMotion.matches ? "auto" : "smooth";
      window.scrollBy({ top: box.top - top - window.innerHeight / 4, behavior: behavior });
    }

    function show(range) {
      var following = !shown || visible(shown);  // a learner who scrolled away is left alone
      highlight.clear();
      shown = range;
      if (!range) return;
      highlight.add(range);
      if (following && !audio.paused) keepInView(range);
    }

    track.addEventListener("cuechange", function () {
      var active = track.activeCues && track.activeCues[0];
      if (!active || !playingModule()) return show(null);
      var found = part(partOf(active));
      for (var i = 0; i < found.cues.length; i++) {
        if (found.cues[i].cue === active) {
          var match = found.cues[i];
          var details = found.places[match.from][0].parentElement.closest("details");
          return show(details && !details.open ? null : rangeOf(found, match));
        }
      }
      show(null);
    });

    function caretAt(x, y) {
      if (document.caretPositionFromPoint) {
        var position = document.caretPositionFromPoint(x, y);
        return position && [position.offsetNode, position.offset];
      }
      var range = document.caretRangeFromPoint && document.caretRangeFromPoint(x, y);
      return range && [range.startContainer, range.startOffset];
    }

    // Clicking a sentence, once the audio has been started, plays from that sentence.
    document.addEventListener("click", function (event) {
      if (!track.cues || (audio.paused && audio.currentTime === 0)) return;
      if (event.target.closest(INTERACTIVE) || String(window.getSelection() || "")) return;
      var caret = caretAt(event.clientX, event.clientY);
      if (!caret) return;
      var holder = caret[0].parentElement && caret[0].parentElement.closest("details.section, .key-points, .module__header h1, details.outcomes");
      if (!holder) return;
      var name = holder.matches("details.section") ? holder.dataset.section
        : holder.matches(".key-points") ? "_key-points" : "_intro";
      var found = part(name);
      var position = -1;
      for (var i = 0; i < found.places.length; i++) {
        if (found.places[i][0] === caret[0] && found.places[i][1] >= caret[1] - 1) { position = i; break; }
      }
      if (position < 0) return;
      for (var j = found.cues.length - 1; j >= 0; j--) {
        if (found.cues[j].from <= position) {
          var root = audio.closest("[data-module]") || document;
          root.dispatchEvent(new CustomEvent("audio:play-at", { detail: { time: found.cues[j].cue.startTime } }));
          return;
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var audio = document.querySelector("#audio audio[data-read-along]");
    if (audio) setUp(audio);
  });
})();
