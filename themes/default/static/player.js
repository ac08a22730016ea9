// sitegen player glue: timestamps and chapters seek the audio; #t=1:15 opens playing there.
(function () {
  "use strict";
  var audio = document.querySelector(".player audio");
  var turns = Array.prototype.slice.call(document.querySelectorAll(".turn[data-start]"));

  function parseTime(text) {
    if (!text) return NaN;
    text = decodeURIComponent(text).trim();
    if (/^\d+(\.\d+)?$/.test(text)) return parseFloat(text);
    var m = /^(?:(\d+):)?(\d{1,2}):(\d{2})(?:\.\d+)?$/.exec(text);
    return m ? (parseInt(m[1] || "0", 10) * 3600 + parseInt(m[2], 10) * 60 + parseInt(m[3], 10)) : NaN;
  }

  function seek(seconds, play) {
    if (!audio || isNaN(seconds)) return;
    var go = function () {
      audio.currentTime = seconds;
      if (play) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); }
    };
    if (audio.readyState >= 1) go(); else { audio.addEventListener("loadedmetadata", go, { once: true }); audio.load(); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
    if (!link || !audio) return;
    seek(parseFloat(link.getAttribute("data-seek")), true);
  });

  function fromHash() {
    var hash = location.hash.slice(1);
    if (!hash) return;
    if (hash.indexOf("t=") === 0) { seek(parseTime(hash.slice(2)), true); return; }
    var target = document.getElementById(hash);
    if (target && target.hasAttribute("data-start")) seek(parseFloat(target.getAttribute("data-start")), false);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();

  if (audio && turns.length) {
    var current = null;
    audio.addEventListener("timeupdate", function () {
      var now = audio.currentTime, found = null;
      for (var i = 0; i < turns.length; i++) {
        if (parseFloat(turns[i].getAttribute("data-start")) <= now + 0.01) found = turns[i]; else break;
      }
      if (found !== current) {
        if (current) current.classList.remove("current");
        if (found) found.classList.add("current");
        current = found;
      }
    });
  }
})();
