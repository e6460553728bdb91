// The recorder on /translate/recordings/<locale>/<module>: record a section
// with the microphone (MediaRecorder), watch the level meter, listen back,
// then save it or record again. Without MediaRecorder the recorder stays
// hidden and the upload form beside it does the same job.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.MediaRecorder || !navigator.mediaDevices || !window.fetch) return;
  var text = script.dataset;

  function formatTime(seconds) {
    var whole = Math.floor(seconds);
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function enhance(box) {
    var card = box.closest(".recording");
    var form = card.querySelector("form.recording__upload");
    var token = form.querySelector("input[name=csrf_token]").value;
    var recordButton = box.querySelector("[data-record]");
    var stopButton = box.querySelector("[data-stop]");
    var meter = box.querySelector("[data-level]");
    var elapsed = box.querySelector("[data-elapsed]");
    var review = box.querySelector("[data-review]");
    var preview = box.querySelector("[data-preview]");
    var saveButton = box.querySelector("[data-save]");
    var discardButton = box.querySelector("[data-discard]");
    var status = box.querySelector("[data-status]");
    var recorder = null;
    var stream = null;
    var audioContext = null;
    var chunks = [];
    var blob = null;
    var started = 0;
    var frame = 0;

    function say(message, isError) {
      status.textContent = message;
      status.classList.toggle("recorder__status--error", !!isError);
      status.setAttribute("role", isError ? "alert" : "status");
    }

    function showLevel(analyser, samples) {
      analyser.getFloatTimeDomainData(samples);
      var sum = 0;
      for (var i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
      var level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      meter.value = level;
      box.dataset.peak = Math.max(Number(box.dataset.peak || 0), level).toFixed(3);
      elapsed.textContent = formatTime((performance.now() - started) / 1000);
      frame = requestAnimationFrame(function () { showLevel(analyser, samples); });
    }

    function release() {
      cancelAnimationFrame(frame);
      meter.value = 0;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      if (audioContext) audioContext.close();
      stream = null;
      audioContext = null;
    }

    function start() {
      say(text.textAsking);
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (microphone) {
        stream = microphone;
        chunks = [];
        recorder = new MediaRecorder(stream);
        recorder.addEventListener("dataavailable", function (event) {
          if (event.data && event.data.size) chunks.push(event.data);
        });
        recorder.addEventListener("stop", stopped);
        audioContext = new AudioContext();
        var analyser = audioContext.createAnalyser();
        analyser.fftSize = 2048;
        audioContext.createMediaStreamSource(stream).connect(analyser);
        started = performance.now();
        box.dataset.peak = "0";
        recorder.start(1000);
        box.dataset.state = "recording";
        recordButton.disabled = true;
        stopButton.disabled = false;
        review.hidden = true;
        stopButton.focus();
        say(text.textRecording);
        showLevel(analyser, new Float32Array(analyser.fftSize));
      }).catch(function () {
        say(text.textNoMicrophone, true);
      });
    }

    function stop() {
      if (recorder && recorder.state !== "inactive") recorder.stop();
      stopButton.disabled = true;
    }

    function stopped() {
      release();
      blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.src = URL.createObjectURL(blob);
      review.hidden = false;
      recordButton.disabled = false;
      box.dataset.state = "review";
      say(text.textReview);
      saveButton.focus();
    }

    function save() {
      if (!blob) return;
      var data = new FormData();
      data.append("csrf_token", token);
      var extension = blob.type.indexOf("ogg") >= 0 ? "ogg" : blob.type.indexOf("mp4") >= 0 ? "m4a" : "webm";
      data.append("audio", blob, "recording." + extension);
      saveButton.disabled = true;
      box.setAttribute("aria-busy", "true");
      say(text.textSaving);
      fetch(box.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        body: data,
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) throw new Error(body.error || text.textFailed);
          box.dataset.state = "saved";
          var target = new URL(body.location, window.location.href);
          target.hash = card.id;
          if (target.pathname !== window.location.pathname) return window.location.assign(target.href);
          window.location.hash = card.id;
          window.location.reload(); // the page shows the saved recording and its message
        });
      }).catch(function (error) {
        saveButton.disabled = false;
        box.removeAttribute("aria-busy");
        say(error.message || text.textFailed, true);
      });
    }

    function discard() {
      blob = null;
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.removeAttribute("src");
      review.hidden = true;
      box.dataset.state = "";
      say("");
      recordButton.focus();
    }

    recordButton.addEventListener("click", start);
    stopButton.addEventListener("click", stop);
    saveButton.addEventListener("click", save);
    discardButton.addEventListener("click", discard);
    box.hidden = false;
  }

  document.querySelectorAll("[data-recorder]").forEach(enhance);
})();
