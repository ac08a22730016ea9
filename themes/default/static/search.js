/* Search over sitegen's sharded index (docs/search-index.md). Plain JS, no dependencies.
 *
 * The page needs a form with data-search-index (manifest URL) and data-search-base
 * (the site's root path), an input name=q, #search-status and #search-results.
 * window.sitegenSearch exposes query(q) -> Promise<{groups, timing}> for tests and tools.
 */
(function () {
  "use strict";

  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var DIGIT = new Int8Array(128).fill(-1);
  for (var a = 0; a < ALPHABET.length; a++) DIGIT[ALPHABET.charCodeAt(a)] = a;
  var WORD = /[\p{L}\p{N}_'\u2019]+/gu;
  var MAX_TERM = 60, MAX_WORDS = 12, PREFIX_SHARDS = 3, PREFIX_TERMS = 40;
  var GROUPS_PER_PAGE = 10, HITS_PER_GROUP = 3, PHRASE_CHECKS = 400;
  var KIND_LABEL = { title: "Title", summary: "Summary", speakers: "Speakers",
                     chapter: "Chapter", notes: "Show notes" };

  function fold(word) {
    return word.normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase().replace(/['\u2019_]/g, "");
  }

  /* Words of text with their spans: [{term, start, end}], the index's tokenizer. */
  function tokens(text) {
    var out = [], match;
    WORD.lastIndex = 0;
    while ((match = WORD.exec(text))) {
      var term = fold(match[0]);
      if (term && term.length <= MAX_TERM) {
        out.push({ term: term, start: match.index, end: match.index + match[0].length });
      }
    }
    return out;
  }

  function terms(text) { return tokens(text).map(function (t) { return t.term; }); }

  function decode(text, count) {
    var out = new Int32Array(count), k = 0, value = 0, shift = 0, previous = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = DIGIT[text.charCodeAt(i)];
      value += (digit & 31) * Math.pow(2, shift);
      if (digit & 32) { shift += 5; continue; }
      previous += value;
      out[k++] = previous;
      value = 0; shift = 0;
    }
    return out;
  }

  /* A query: words (distinct), which are required, phrases, and the prefix word. */
  function parseQuery(raw) {
    var parts = raw.split('"'), phrases = [], words = [], required = {};
    var trailingWord = /[\p{L}\p{N}]$/u.test(raw);
    parts.forEach(function (part, i) {
      var ws = terms(part);
      if (!ws.length) return;
      if (i % 2 === 1) {
        phrases.push(ws);
        ws.forEach(function (w) { required[w] = true; });
      }
      ws.forEach(function (w) { if (words.indexOf(w) < 0) words.push(w); });
    });
    words = words.slice(0, MAX_WORDS);
    var last = terms(raw).pop();
    return { words: words, phrases: phrases, required: required,
             prefix: trailingWord && last && words.indexOf(last) >= 0 ? last : null };
  }

  function Index(manifestUrl) {
    this.root = manifestUrl.replace(/[^\/]*$/, "");
    this.files = {};
    this.decoded = {};
    this.ready = this.json("manifest.json").then(this.setManifest.bind(this));
  }

  Index.prototype.json = function (path) {
    if (!this.files[path]) {
      var self = this;
      this.files[path] = fetch(this.root + path).then(function (response) {
        if (!response.ok) throw new Error(path + ": HTTP " + response.status);
        return response.json();
      }).catch(function (error) { delete self.files[path]; throw error; });
    }
    return this.files[path];
  };

  Index.prototype.setManifest = function (manifest) {
    if (manifest.version !== 1) throw new Error("unknown index version " + manifest.version);
    this.manifest = manifest;
    this.firsts = manifest.shards.map(function (s) { return s[0]; });
    this.offsets = [];
    var id = 0;
    manifest.episodes.forEach(function (episode) {
      this.offsets.push(id);
      id += episode.records;
    }, this);
  };

  /* The shard holding `term`: the last one whose first term sorts at or before it. */
  Index.prototype.shardIndex = function (term) {
    var lo = 0, hi = this.firsts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (this.firsts[mid] <= term) lo = mid; else hi = mid - 1;
    }
    return lo;
  };

  Index.prototype.shard = function (i) {
    return this.json(this.manifest.shards[i][1]).then(function (data) { return data.terms; });
  };

  /* Postings (Int32Array of record ids) and record count for one exact term. */
  Index.prototype.postings = function (term) {
    var self = this;
    if (this.decoded[term]) return Promise.resolve(this.decoded[term]);
    return this.shard(this.shardIndex(term)).then(function (shardTerms) {
      var entry = Object.prototype.hasOwnProperty.call(shardTerms, term) ? shardTerms[term] : null;
      if (!entry) return { ids: new Int32Array(0), count: 0 };
      var text = entry[1] !== null ? Promise.resolve(entry[1])
        : self.json(entry[2]).then(function (data) { return data.postings; });
      return text.then(function (encoded) {
        return (self.decoded[term] = { ids: decode(encoded, entry[0]), count: entry[0] });
      });
    });
  };

  /* The terms starting with `prefix`, most frequent first, when few shards hold them. */
  Index.prototype.expand = function (prefix) {
    var first = this.shardIndex(prefix), last = this.shardIndex(prefix + "\uffff");
    if (prefix.length < 2 || last - first + 1 > PREFIX_SHARDS) return Promise.resolve([prefix]);
    var loads = [];
    for (var i = first; i <= last; i++) loads.push(this.shard(i));
    return Promise.all(loads).then(function (shards) {
      var found = [];
      shards.forEach(function (shardTerms) {
        Object.keys(shardTerms).forEach(function (t) {
          if (t.lastIndexOf(prefix, 0) === 0) found.push([t, shardTerms[t][0]]);
        });
      });
      found.sort(function (x, y) { return (x[0] === prefix ? -1 : 0) - (y[0] === prefix ? -1 : 0) || y[1] - x[1]; });
      var out = found.slice(0, PREFIX_TERMS).map(function (f) { return f[0]; });
      return out.length ? out : [prefix];
    });
  };

  function union(lists, total) {
    if (lists.length === 1) return lists[0];
    var seen = new Uint8Array(total), count = 0;
    lists.forEach(function (l) {
      for (var k = 0; k < l.ids.length; k++) if (!seen[l.ids[k]]) { seen[l.ids[k]] = 1; count++; }
    });
    var ids = new Int32Array(count), j = 0;
    for (var id = 0; id < total; id++) if (seen[id]) ids[j++] = id;
    return { ids: ids, count: count };
  }

  /* Postings for each query word (the prefix word as the union of its expansions). */
  Index.prototype.wordPostings = function (query) {
    var self = this;
    return Promise.all(query.words.map(function (word) {
      var expansions = word === query.prefix ? self.expand(word) : Promise.resolve([word]);
      return expansions.then(function (list) {
        return Promise.all(list.map(self.postings, self)).then(function (lists) {
          return union(lists, self.manifest.records);
        });
      });
    }));
  };

  function popcount(n) { var c = 0; while (n) { n &= n - 1; c++; } return c; }

  /* Rank records, group by episode. Pure computation over decoded postings.
   * Record ids run episode by episode, so one pass in id order groups them. */
  Index.prototype.rank = function (query, lists) {
    var n = query.words.length, total = this.manifest.records, requiredMask = 0;
    var mask = new Uint16Array(total), maskScore = new Float64Array(1 << n);
    lists.forEach(function (list, i) {
      if (query.required[query.words[i]]) requiredMask |= 1 << i;
      var ids = list.ids, bit = 1 << i;
      for (var k = 0; k < ids.length; k++) mask[ids[k]] |= bit;
    });
    for (var m = 1; m < maskScore.length; m++) {
      maskScore[m] = popcount(m) * 1000;
      for (var i = 0; i < n; i++) {
        if (m & (1 << i)) maskScore[m] += 10 * Math.log(1 + total / Math.max(1, lists[i].count));
      }
    }
    var all = (1 << n) - 1, scores = new Float64Array(total), out = [];
    this.manifest.episodes.forEach(function (episode, e) {
      var first = this.offsets[e], group = null;
      for (var local = 0; local < episode.records; local++) {
        var id = first + local, bits = mask[id];
        if (!bits || (bits & requiredMask) !== requiredMask) continue;
        var score = maskScore[bits] + (local === 0 ? 40 : local < episode.meta ? 8 : 10);
        scores[id] = score;
        if (!group) out.push(group = { episode: e, ids: [], best: 0, full: 0, scores: scores });
        group.ids.push(id);
        if (score > group.best) group.best = score;
        if (bits === all) group.full++;
      }
    }, this);
    out.forEach(function (g) { g.score = g.best + 5 * Math.log2(1 + g.full); });
    out.sort(function (x, y) { return y.score - x.score || x.episode - y.episode; });
    return out;
  };

  /* A group's records, best first, as hits; sorted only when the group is shown. */
  Index.prototype.hits = function (group) {
    if (!group.records) {
      var scores = group.scores, first = this.offsets[group.episode];
      group.ids.sort(function (x, y) { return scores[y] - scores[x] || x - y; });
      group.records = group.ids.map(function (id) {
        return { id: id, local: id - first, score: scores[id] };
      });
    }
    return group.records;
  };

  Index.prototype.record = function (group, hit) {
    var episode = this.manifest.episodes[group.episode], size = this.manifest.chunk;
    var chunk = Math.floor(hit.local / size);
    var path = "t/" + episode.slug + "/" + episode.text + "." + chunk + ".json";
    return this.json(path).then(function (data) {
      var r = data.records[hit.local % size];
      return { kind: r[0], text: r[1], start: r[2], anchor: r[3], speaker: r[4], speakerSlug: r[5] };
    });
  };

  /* Does the token sequence contain `phrase` (the last word as a prefix if asked)? */
  function phraseAt(toks, phrase, prefix) {
    for (var i = 0; i + phrase.length <= toks.length; i++) {
      for (var j = 0; j < phrase.length; j++) {
        var t = toks[i + j].term, w = phrase[j];
        var last = j === phrase.length - 1 && w === prefix;
        if (last ? t.lastIndexOf(w, 0) !== 0 : t !== w) break;
      }
      if (j === phrase.length) return i;
    }
    return -1;
  }

  /* Fetch the text of a group's best hits; for quoted phrases keep only verified ones. */
  Index.prototype.fill = function (query, group, budget) {
    var self = this, chosen = [], next = 0, records = this.hits(group);
    var strict = query.phrases.length > 0;
    var phrase = strict ? null : (query.words.length > 1 ? query.words : null);
    function step() {
      if (chosen.length >= HITS_PER_GROUP || next >= records.length) return Promise.resolve();
      if (budget.left <= 0) { budget.exhausted = true; return Promise.resolve(); }
      var batch = records.slice(next, next + (HITS_PER_GROUP - chosen.length));
      next += batch.length;
      budget.left -= batch.length;
      return Promise.all(batch.map(function (hit) { return self.record(group, hit); }))
        .then(function (records) {
          records.forEach(function (record, i) {
            var toks = tokens(record.text), hit = batch[i];
            var ok = query.phrases.every(function (p) { return phraseAt(toks, p, query.prefix) >= 0; });
            if (!ok) return;
            if (phrase && phraseAt(toks, phrase, query.prefix) >= 0) hit.score += 500;
            hit.record = record;
            hit.tokens = toks;
            chosen.push(hit);
          });
          return strict ? step() : null;
        });
    }
    return step().then(function () {
      chosen.sort(function (x, y) { return y.score - x.score || x.local - y.local; });
      group.hits = chosen;
      group.checked = next;
      return group;
    });
  };

  /* Fill groups from `start` until `want` have hits; returns the filled ones. */
  Index.prototype.page = function (query, groups, start, want) {
    var self = this, out = [], budget = { left: PHRASE_CHECKS, exhausted: false };
    var position = start;
    function more() {
      if (out.length >= want || position >= groups.length || budget.exhausted) {
        return Promise.resolve({ groups: out, next: position, exhausted: budget.exhausted });
      }
      var batch = groups.slice(position, position + (want - out.length));
      position += batch.length;
      return Promise.all(batch.map(function (g) { return self.fill(query, g, budget); }))
        .then(function (filled) {
          filled.forEach(function (g) { if (g.hits.length) out.push(g); });
          return more();
        });
    }
    return more();
  };

  Index.prototype.search = function (raw) {
    var self = this, query = parseQuery(raw), started = performance.now();
    if (!query.words.length) return Promise.resolve(null);
    return this.ready.then(function () { return self.wordPostings(query); }).then(function (lists) {
      var ranked = self.rank(query, lists);
      return self.page(query, ranked, 0, GROUPS_PER_PAGE).then(function (page) {
        return { query: query, ranked: ranked, page: page, ms: performance.now() - started };
      });
    });
  };

  /* ---- rendering ---- */

  function clock(seconds) {
    var s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    var ss = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
  }

  function matches(term, query) {
    return query.words.some(function (w) {
      return w === query.prefix ? term.lastIndexOf(w, 0) === 0 : term === w;
    });
  }

  /* A window of about 30 words around the best match, matched words marked. */
  function snippet(record, toks, query) {
    var span = document.createElement("span"), text = record.text;
    span.className = "search-snippet";
    var centre = -1;
    [].concat(query.phrases, [query.words]).some(function (p) {
      centre = phraseAt(toks, p, query.prefix);
      return centre >= 0;
    });
    if (centre < 0) centre = toks.findIndex(function (t) { return matches(t.term, query); });
    if (centre < 0) centre = 0;
    var from = Math.max(0, centre - 10), to = Math.min(toks.length, centre + 22);
    var begin = from > 0 ? toks[from].start : 0;
    var end = to < toks.length ? toks[to - 1].end : text.length;
    if (begin > 0) span.appendChild(document.createTextNode("… "));
    var cursor = begin;
    for (var i = from; i < to; i++) {
      if (!matches(toks[i].term, query)) continue;
      span.appendChild(document.createTextNode(text.slice(cursor, toks[i].start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(toks[i].start, toks[i].end);
      span.appendChild(mark);
      cursor = toks[i].end;
    }
    span.appendChild(document.createTextNode(text.slice(cursor, end)));
    if (end < text.length) span.appendChild(document.createTextNode(" …"));
    return span;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hitItem(base, episode, hit, query) {
    var record = hit.record, li = el("li", "search-hit"), link = el("a");
    var href = base + episode.url + (record.anchor ? "#" + record.anchor : "");
    link.href = href;
    if (record.kind === "turn") {
      li.classList.add("speaker-" + record.speakerSlug);
      link.appendChild(el("span", "search-who", record.speaker));
    } else {
      link.appendChild(el("span", "search-who", KIND_LABEL[record.kind] || record.kind));
    }
    if (record.start !== null) {
      var time = el("time", "", clock(record.start));
      time.setAttribute("datetime", "PT" + Math.floor(record.start) + "S");
      link.appendChild(time);
    }
    link.appendChild(snippet(record, hit.tokens, query));
    li.appendChild(link);
    return li;
  }

  function groupSection(base, manifest, group, query) {
    var episode = manifest.episodes[group.episode], section = el("section", "search-episode");
    var heading = el("h2"), link = el("a", "", episode.title);
    link.href = base + episode.url;
    heading.appendChild(link);
    heading.appendChild(el("span", "search-date", episode.date));
    section.appendChild(heading);
    var list = el("ol", "search-hits");
    group.hits.forEach(function (hit) { list.appendChild(hitItem(base, episode, hit, query)); });
    section.appendChild(list);
    var rest = group.ids.length - group.checked;
    if (rest > 0) {
      var more = el("p", "search-more-in");
      var moreLink = el("a", "", (query.phrases.length ? "up to " : "") + rest +
                        " more passage" + (rest === 1 ? "" : "s") + " in this episode");
      moreLink.href = base + episode.url;
      more.appendChild(moreLink);
      section.appendChild(more);
    }
    return section;
  }

  function summary(result, shown) {
    var groups = result.ranked.length, phrases = result.query.phrases.length;
    if (!shown) return "No results for " + result.raw + ".";
    var passages = result.ranked.reduce(function (n, g) { return n + g.ids.length; }, 0);
    if (phrases) {
      return "Showing " + shown + " episode" + (shown === 1 ? "" : "s") + " with the phrase" +
        (groups > shown ? " (up to " + groups + " may match)." : ".");
    }
    return passages + " passage" + (passages === 1 ? "" : "s") + " in " + groups +
      " episode" + (groups === 1 ? "" : "s") + ".";
  }

  function Page(form) {
    this.form = form;
    this.input = form.querySelector("input[name=q]");
    this.status = document.getElementById("search-status");
    this.results = document.getElementById("search-results");
    this.base = form.getAttribute("data-search-base") || "/";
    this.index = new Index(form.getAttribute("data-search-index"));
    this.sequence = 0;
    this.timer = 0;
    this.bind();
  }

  Page.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      clearTimeout(self.timer);
      self.timer = setTimeout(function () { self.run(self.input.value, false); }, 120);
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(self.timer);
      self.run(self.input.value, true);
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); self.move(0); }
    });
    this.results.addEventListener("keydown", function (event) {
      var links = self.links(), at = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown") { event.preventDefault(); self.move(at + 1); }
      else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (at <= 0) self.input.focus(); else self.move(at - 1);
      } else if (event.key === "Escape") { self.input.focus(); }
    });
    var q = new URLSearchParams(location.search).get("q");
    if (q) { this.input.value = q; this.run(q, true); }
  };

  Page.prototype.links = function () {
    return Array.prototype.slice.call(this.results.querySelectorAll(".search-hit a"));
  };

  Page.prototype.move = function (i) {
    var links = this.links();
    if (links.length) links[Math.min(i, links.length - 1)].focus();
  };

  Page.prototype.run = function (raw, announce) {
    var self = this, sequence = ++this.sequence;
    var url = new URL(location.href);
    if (raw.trim()) url.searchParams.set("q", raw); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    if (!raw.trim()) { this.results.replaceChildren(); this.status.textContent = ""; return Promise.resolve(); }
    this.results.setAttribute("aria-busy", "true");
    return this.index.search(raw).then(function (result) {
      if (sequence !== self.sequence || !result) return;
      result.raw = raw.trim();
      self.show(result);
      self.results.setAttribute("data-query-ms", result.ms.toFixed(1));
    }).catch(function (error) {
      if (sequence !== self.sequence) return;
      self.results.replaceChildren();
      self.status.textContent = "Search is unavailable: " + error.message;
    }).then(function () { self.results.removeAttribute("aria-busy"); });
  };

  Page.prototype.show = function (result) {
    var self = this, manifest = this.index.manifest, fragment = document.createDocumentFragment();
    result.page.groups.forEach(function (g) {
      fragment.appendChild(groupSection(self.base, manifest, g, result.query));
    });
    this.results.replaceChildren(fragment);
    this.shown = result.page.groups.length;
    this.status.textContent = summary(result, this.shown);
    this.addMore(result);
  };

  Page.prototype.addMore = function (result) {
    var self = this;
    if (result.page.next >= result.ranked.length) return;
    var button = el("button", "search-load-more", "More results");
    button.type = "button";
    button.addEventListener("click", function () {
      var sequence = self.sequence;
      button.disabled = true;
      self.index.page(result.query, result.ranked, result.page.next, GROUPS_PER_PAGE)
        .then(function (page) {
          if (sequence !== self.sequence) return;
          button.remove();
          var first = null;
          page.groups.forEach(function (g) {
            var section = groupSection(self.base, self.index.manifest, g, result.query);
            first = first || section.querySelector("a");
            self.results.appendChild(section);
          });
          self.shown += page.groups.length;
          result.page = page;
          self.status.textContent = summary(result, self.shown);
          if (first) first.focus();
          self.addMore(result);
        });
    });
    this.results.appendChild(button);
  };

  var form = document.querySelector("form[data-search-index]");
  if (!form) return;
  var page = new Page(form);
  window.sitegenSearch = {
    /* Decoded postings are forgotten first, so timings include decoding. */
    query: function (q) {
      page.index.decoded = {};
      return page.index.search(q).then(function (result) {
        if (!result) return { groups: [], ms: 0 };
        return { ms: result.ms, episodes: result.ranked.length, groups: result.page.groups.map(function (g) {
          var episode = page.index.manifest.episodes[g.episode];
          return { slug: episode.slug, hits: g.hits.map(function (h) {
            return { kind: h.record.kind, anchor: h.record.anchor, start: h.record.start,
                     speaker: h.record.speaker, text: h.record.text };
          }) };
        }) };
      });
    },
    run: function (q) { page.input.value = q; return page.run(q, true); }
  };
})();
