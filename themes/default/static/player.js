// sitegen player: custom controls over the page's <audio>, transcript and chapter sync,
// #t= deep links, follow-along scrolling, remembered position and speed.
// Relies only on the data attributes documented in docs/themes.md.
(function () {
  "use strict";
  var root = document.getElementById("player");
  var audio = root && root.querySelector("audio");
  if (!audio) return;
  var ui = root.querySelector(".player-ui");
  if (!ui) return;
  // A theme may leave out any control: a detached stand-in keeps the code simple.
  var $ = function (sel) {
    return ui.querySelector(sel) || document.createElement(/input/.test(sel) ? "input" : "span");
  };
  var seekBar = $(".player-seek"), nowText = $(".player-now"), totalText = $(".player-total");
  var playLabel = $(".player-play-label"), chapterText = $(".player-chapter");
  var speedText = $(".player-speed-value"), status = $(".player-status");
  var follow = $(".player-follow input");
  var turns = list(".turn[data-start]"), chapters = list(".chapters li[data-start]");
  var SPEEDS = [1, 1.25, 1.5, 1.75, 2, 0.75];
  var store = storage();
  var posKey = "sitegen:position:" + location.pathname, speedKey = "sitegen:speed";
  var currentTurn = null, currentChapter = null, lastSaved = 0, statusTimer = 0;

  function list(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  function start(el) { return parseFloat(el.getAttribute("data-start")); }
  function storage() {
    try { var s = window.localStorage; s.setItem("sitegen:test", "1"); s.removeItem("sitegen:test"); return s; }
    catch (e) { return null; }
  }
  function duration() {
    var d = audio.duration;
    return isFinite(d) && d > 0 ? d : parseFloat(root.getAttribute("data-duration")) || 0;
  }
  function clock(t) {
    t = Math.max(0, Math.floor(t || 0));
    var h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function parseTime(text) {
    text = decodeURIComponent(text || "").trim();
    if (/^\d+(\.\d+)?s?$/.test(text)) return parseFloat(text);
    var m = /^(?:(\d+):)?(\d{1,2}):(\d{2})(\.\d+)?$/.exec(text);
    if (m) return (+m[1] || 0) * 3600 + (+m[2]) * 60 + (+m[3]) + (parseFloat(m[4]) || 0);
    m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
    return m && text ? (+m[1] || 0) * 3600 + (+m[2] || 0) * 60 + (+m[3] || 0) : NaN;
  }
  function say(message, keep) {
    status.textContent = message;
    clearTimeout(statusTimer);
    if (!keep) statusTimer = setTimeout(function () { status.textContent = ""; }, 4000);
  }

  function play() {
    var p = audio.play();
    if (p && p.catch) p.catch(function () { say("Press play to listen from " + clock(audio.currentTime), true); });
  }
  function seek(seconds, andPlay) {
    if (isNaN(seconds)) return;
    seconds = Math.max(0, duration() ? Math.min(seconds, duration()) : seconds);
    var go = function () { audio.currentTime = seconds; render(seconds); if (andPlay) play(); };
    if (audio.readyState >= 1) go();
    else { render(seconds); audio.addEventListener("loadedmetadata", go, { once: true }); if (audio.networkState === 0) audio.load(); }
  }

  // The turn (or chapter) in progress at `t`: the last one starting at or before it.
  function at(items, t) {
    var found = null;
    for (var i = 0; i < items.length; i++) { if (start(items[i]) <= t + 0.01) found = items[i]; else break; }
    return found;
  }
  function mark(old, el) {
    if (old) { old.classList.remove("current"); old.removeAttribute("aria-current"); }
    if (el) { el.classList.add("current"); el.setAttribute("aria-current", "true"); }
    return el;
  }
  function render(t) {
    var d = duration();
    nowText.textContent = clock(t);
    if (d) {
      totalText.textContent = clock(d);
      seekBar.max = String(Math.round(d));
      seekBar.style.setProperty("--progress", Math.min(100, t / d * 100).toFixed(2) + "%");
    }
    seekBar.value = String(Math.round(t));
    seekBar.setAttribute("aria-valuetext", clock(t) + " of " + clock(d));
    var chapter = at(chapters, t);
    if (chapter !== currentChapter) {
      currentChapter = mark(currentChapter, chapter);
      if (chapter) chapterText.textContent = (chapter.querySelector(".chapter-title") || chapter).textContent;
    }
    var turn = at(turns, t);
    if (turn !== currentTurn) {
      currentTurn = mark(currentTurn, turn);
      if (turn && follow.checked && !audio.paused) scrollTo(turn);
    }
  }
  function scrollTo(el) {
    var box = el.getBoundingClientRect();
    if (box.top > root.offsetHeight && box.bottom < window.innerHeight * 0.85) return;
    var smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    el.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
  }
  // Follow-along stops as soon as the reader scrolls by hand.
  function readerScrolled(event) {
    if (!follow.checked || audio.paused) return;
    if (event.type === "keydown" && (!/^(ArrowUp|ArrowDown|PageUp|PageDown|Home|End| )$/.test(event.key) ||
        root.contains(event.target) || /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName))) return;
    follow.checked = false;
    say("Follow-along paused");
  }
  ["wheel", "touchmove", "keydown"].forEach(function (type) {
    window.addEventListener(type, readerScrolled, { passive: true });
  });

  function savePosition(force) {
    if (!store) return;
    var now = Date.now();
    if (!force && now - lastSaved < 2000) return;
    lastSaved = now;
    if (audio.ended) store.removeItem(posKey);
    else if (audio.currentTime > 0) store.setItem(posKey, String(Math.floor(audio.currentTime)));
  }
  function setSpeed(rate) {
    audio.playbackRate = rate;
    speedText.textContent = rate + "×";
    if (store) store.setItem(speedKey, String(rate));
  }
  function share() {
    var t = Math.floor(audio.currentTime);
    var link = location.href.split("#")[0] + "#t=" + t;
    var done = function () { say("Link to " + clock(t) + " copied"); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(link).then(done, function () { say(link); });
    } else say(link);
    if (history.replaceState) history.replaceState(null, "", "#t=" + t);
  }

  ui.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var action = button.getAttribute("data-action"), skip = button.getAttribute("data-skip");
    if (action === "toggle") { if (audio.paused) play(); else audio.pause(); }
    else if (action === "speed") setSpeed(SPEEDS[(SPEEDS.indexOf(audio.playbackRate) + 1) % SPEEDS.length]);
    else if (action === "share") share();
    else if (skip) seek(audio.currentTime + parseFloat(skip), false);
  });
  seekBar.addEventListener("input", function () { seek(parseFloat(seekBar.value), false); });
  ui.addEventListener("keydown", function (event) {
    var target = event.target, key = event.key;
    if ((key === " " && target === seekBar) || key === "k") {
      event.preventDefault();
      if (audio.paused) play(); else audio.pause();
    } else if (/^Arrow(Left|Right|Up|Down)$/.test(key) && target.type !== "checkbox") {
      event.preventDefault();
      seek(audio.currentTime + (/Left|Down/.test(key) ? -5 : 5), false);
    }
  });
  // Timestamps and chapters anywhere on the page seek and play.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-seek]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    follow.checked = true;
    seek(parseFloat(link.getAttribute("data-seek")), true);
    var target = document.getElementById((link.getAttribute("href") || "").slice(1));
    if (target && target !== link.closest(".turn")) scrollTo(target);
  });

  audio.addEventListener("timeupdate", function () { render(audio.currentTime); savePosition(false); });
  audio.addEventListener("loadedmetadata", function () { render(audio.currentTime); });
  audio.addEventListener("play", function () {
    root.classList.add("playing");
    playLabel.textContent = "Pause";
    if (/^Press play/.test(status.textContent)) status.textContent = "";
  });
  audio.addEventListener("pause", function () { root.classList.remove("playing"); playLabel.textContent = "Play"; savePosition(true); });
  audio.addEventListener("ended", function () { savePosition(true); });
  function failed() { say("The audio could not be loaded", true); }
  audio.addEventListener("error", failed);
  if (audio.error) failed();  // it may have failed before this deferred script ran
  audio.addEventListener("ratechange", function () { speedText.textContent = audio.playbackRate + "×"; });
  window.addEventListener("pagehide", function () { savePosition(true); });

  function fromHash() {
    var hash = location.hash.slice(1);
    if (hash.indexOf("t=") === 0) {
      var t = parseTime(hash.slice(2));
      if (isNaN(t)) return false;
      var turn = at(turns, t);
      if (turn) scrollTo(turn);
      seek(t, true);
      return true;
    }
    var el = hash && document.getElementById(hash);
    if (el && el.hasAttribute("data-start")) { seek(start(el), false); return true; }
    return false;
  }
  window.addEventListener("hashchange", function () { fromHash(); });

  // Lock screens and headset buttons: title, show, artwork and the skip buttons.
  if ("mediaSession" in navigator && window.MediaMetadata) {
    var icon = document.querySelector("link[rel=icon]"), show = document.querySelector("meta[property='og:site_name']");
    var heading = document.querySelector("h1");
    try {
      navigator.mediaSession.metadata = new MediaMetadata({
        title: heading ? heading.textContent : document.title, artist: show ? show.content : "",
        artwork: icon ? [{ src: icon.href }] : [] });
      navigator.mediaSession.setActionHandler("seekbackward", function () { seek(audio.currentTime - 15, false); });
      navigator.mediaSession.setActionHandler("seekforward", function () { seek(audio.currentTime + 30, false); });
    } catch (e) { /* an action this browser does not know */ }
  }

  audio.controls = false;
  ui.hidden = false;
  var savedSpeed = store && parseFloat(store.getItem(speedKey));
  if (SPEEDS.indexOf(savedSpeed) >= 0) setSpeed(savedSpeed);
  if (!fromHash()) {
    var saved = store && parseFloat(store.getItem(posKey));
    if (saved > 0 && (!duration() || saved < duration() - 5)) {
      seek(saved, false);
      say("Resuming at " + clock(saved));
    } else render(0);
  }
})();
