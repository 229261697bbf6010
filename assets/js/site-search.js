/* Site-wide search: search/index.html?q=…, over window.HUB_SEARCH (search.js).
 *
 * An item matches when every word of the query starts a word of its title or of one of
 * its fields, ignoring case and accents ("cafe" finds "Café", "justice" finds "Criminal
 * Justice", "art" does not find "heart"). Results are grouped by kind, titles that match
 * first; each shows the field that matched best as a short snippet with the words marked,
 * and the names of the other fields that matched. The count goes to the role="status" element;
 * the query is kept in the URL (first keystroke pushes, the rest replace), so Back works.
 *
 * Classic script (no modules, no fetch): it works from disk as well as from a server.
 */
(function () {
  "use strict";

  var data = window.HUB_SEARCH;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var results = document.getElementById("search-results");
  if (!data || !form || !input || !status || !results) return;
  document.getElementById("search-nojs").hidden = true;  // shown only where this script does not run

  var NOUNS = {
    "case-study": ["case study", "case studies"], card: ["card", "cards"], idea: ["London idea", "London ideas"],
    theme: ["London theme", "London themes"], guide: ["guide step", "guide steps"], page: ["page", "pages"],
  };
  var SHOWN = 10;          // results shown per group before "Show all"
  var SNIPPET = 180;       // characters of a snippet, about
  var WAIT = 200;          // ms of quiet typing before the results update
  var WORD = /[\p{L}\p{N}]/u;
  var EDGES = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;
  var root = document.body.getAttribute("data-root") || "";
  var baseTitle = document.title;

  /** Lower case, accents removed, curly quotes straightened: "Café’s" -> "cafe's". */
  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').toLowerCase();
  }

  /** The query's words, folded, without punctuation at either end, each once. */
  function termsOf(query) {
    var seen = [];
    fold(query).split(/\s+/).forEach(function (t) {
      t = t.replace(EDGES, "");
      if (t && seen.indexOf(t) === -1) seen.push(t);
    });
    return seen;
  }

  /** Where `term` starts a word of `hay` at or after `from`, or -1. */
  function wordAt(hay, term, from) {
    var i = hay.indexOf(term, from);
    while (i !== -1 && i > 0 && WORD.test(hay[i - 1])) i = hay.indexOf(term, i + 1);
    return i;
  }

  var kinds = data.kinds.map(function (k) { return k.key; });
  var items = data.items.map(function (item, order) {
    return {
      item: item, order: order,
      title: fold(item.title),
      fields: item.fields.map(function (f) { return fold(f[2]); }),
    };
  });

  /** {item, tier, best, matched: [field index]} or null when some term matches nowhere. */
  function match(entry, terms) {
    var inTitle = 0;
    var perField = entry.fields.map(function () { return 0; });
    for (var t = 0; t < terms.length; t++) {
      var found = false;
      if (wordAt(entry.title, terms[t], 0) !== -1) { inTitle++; found = true; }
      for (var f = 0; f < entry.fields.length; f++) {
        if (wordAt(entry.fields[f], terms[t], 0) !== -1) { perField[f]++; found = true; }
      }
      if (!found) return null;
    }
    var matched = [];
    var best = -1;
    entry.item.fields.forEach(function (field, f) {
      if (field[0] === "name" || perField[f] === 0) return;
      matched.push(f);
      if (best === -1 || perField[f] > perField[best]) best = f;
    });
    return { entry: entry, tier: inTitle === terms.length ? 0 : inTitle > 0 ? 1 : 2, best: best, matched: matched };
  }

  /** Matches grouped by kind, in the index's order of kinds; title matches first, then site order. */
  function search(terms) {
    var groups = {};
    kinds.forEach(function (k) { groups[k] = []; });
    items.forEach(function (entry) {
      var m = match(entry, terms);
      if (m && groups[entry.item.kind]) groups[entry.item.kind].push(m);
    });
    kinds.forEach(function (k) {
      groups[k].sort(function (a, b) { return a.tier - b.tier || a.entry.order - b.entry.order; });
    });
    return groups;
  }

  // Highlighting -------------------------------------------------------------------------

  /** `text` folded character by character, with the index in `text` of each folded character. */
  function foldMapped(text) {
    var out = "";
    var at = [];
    for (var i = 0; i < text.length; i++) {
      var f = fold(text[i]);
      for (var j = 0; j < f.length; j++) at.push(i);
      out += f;
    }
    return { text: out, at: at };
  }

  /** Ranges [start, end) of `text` where a term starts a word, merged and sorted. */
  function ranges(text, terms) {
    var folded = foldMapped(text);
    var found = [];
    terms.forEach(function (term) {
      for (var i = wordAt(folded.text, term, 0); i !== -1; i = wordAt(folded.text, term, i + term.length)) {
        found.push([folded.at[i], folded.at[i + term.length - 1] + 1]);
      }
    });
    found.sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    found.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push(r.slice());
    });
    return merged;
  }

  /** Text nodes and <mark>s for `text`, the terms marked. */
  function marked(text, terms) {
    var frag = document.createDocumentFragment();
    var pos = 0;
    ranges(text, terms).forEach(function (r) {
      if (r[0] > pos) frag.append(text.slice(pos, r[0]));
      frag.append(el("mark", { text: text.slice(r[0], r[1]) }));
      pos = r[1];
    });
    if (pos < text.length) frag.append(text.slice(pos));
    return frag;
  }

  /** About SNIPPET characters of `text` around its first match, cut at spaces, with … where cut. */
  function excerpt(text, terms) {
    if (text.length <= SNIPPET) return text;
    var first = ranges(text, terms)[0];
    var start = first ? Math.max(0, first[0] - 50) : 0;
    if (start > 0) start = text.indexOf(" ", start) + 1 || start;
    var end = Math.min(text.length, start + SNIPPET);
    if (end < text.length) end = text.lastIndexOf(" ", end) > start ? text.lastIndexOf(" ", end) : end;
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  // Drawing ------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "className") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.append(child); });
    return node;
  }

  function plural(n, noun) {
    return n + " " + (n === 1 ? noun[0] : noun[1]);
  }

  /** The field a result shows: the best match, else the first with a sentence or so of text. */
  function shownField(m) {
    var fields = m.entry.item.fields;
    if (m.best !== -1) return m.best;
    for (var f = 0; f < fields.length; f++) if (fields[f][0] !== "name" && fields[f][2].length >= 60) return f;
    return fields.length ? 0 : -1;
  }

  function resultItem(m, terms) {
    var item = m.entry.item;
    var li = el("li", { className: "search-result" }, [
      el("h3", { className: "search-result__title" }, [el("a", { href: root + item.url }, [marked(item.title, terms)])]),
    ]);
    var f = shownField(m);
    if (f !== -1) {
      var field = item.fields[f];
      li.append(el("p", { className: "search-result__snippet" }, [
        el("span", { className: "search-result__label", text: field[1] + ": " }),
        marked(excerpt(field[2], terms), terms),
      ]));
    }
    var others = m.matched.filter(function (i) { return i !== f; });
    if (others.length) {
      var labels = others.slice(0, 4).map(function (i) { return item.fields[i][1]; });
      var more = others.length - labels.length;
      li.append(el("p", { className: "search-result__why",
                          text: "Also matched in " + labels.join(", ") + (more ? " and " + plural(more, ["more field", "more fields"]) : "") }));
    }
    return li;
  }

  function group(kind, name, matches, terms) {
    var id = "group-" + kind;
    var list = el("ol", { className: "search-list" });
    var section = el("section", { className: "search-group", "aria-labelledby": id }, [
      el("h2", { id: id, tabindex: "-1" }, [name, el("span", { className: "search-group__count", text: " (" + matches.length + ")" })]),
      list,
    ]);
    matches.slice(0, SHOWN).forEach(function (m) { list.append(resultItem(m, terms)); });
    if (matches.length > SHOWN) {
      var more = el("button", { type: "button", className: "button search-group__more",
                                text: "Show all " + plural(matches.length, NOUNS[kind]) });
      more.addEventListener("click", function () {
        var first = null;
        matches.slice(SHOWN).forEach(function (m) {
          var li = resultItem(m, terms);
          first = first || li;
          list.append(li);
        });
        more.remove();
        first.querySelector("a").focus();
      });
      section.append(more);
    }
    return section;
  }

  function draw(query) {
    var terms = termsOf(query);
    results.replaceChildren();
    if (!terms.length) {
      status.textContent = "";
      return;
    }
    var groups = search(terms);
    var total = 0;
    var parts = [];
    var jump = el("ul", {});
    data.kinds.forEach(function (k) {
      var n = groups[k.key].length;
      if (!n) return;
      total += n;
      parts.push(plural(n, NOUNS[k.key] || [k.name, k.name]));
      jump.append(el("li", {}, [el("a", { href: "#group-" + k.key, text: k.name + " (" + n + ")" })]));
    });
    if (!total) {
      status.textContent = "No results for “" + query.trim() + "”";
      results.append(el("p", { className: "no-results",
                               text: "Nothing matches every word. Check the spelling, or try fewer words." }));
      return;
    }
    status.textContent = plural(total, ["result", "results"]) + ": " + parts.join(", ");
    if (parts.length > 1) results.append(el("nav", { className: "search-jump", "aria-label": "Result groups" }, [jump]));
    data.kinds.forEach(function (k) {
      if (groups[k.key].length) results.append(group(k.key, k.name, groups[k.key], terms));
    });
  }

  // The query, the URL and the title in step ------------------------------------------------

  function queryFromUrl() {
    return new URLSearchParams(location.search).get("q") || "";
  }

  function run(query, history_) {
    draw(query);
    var q = query.trim();
    document.title = q ? q + " – " + baseTitle : baseTitle;
    if (!history_ || q === queryFromUrl()) return;
    var target = location.pathname + (q ? "?" + new URLSearchParams({ q: q }).toString() : "");
    if (history_ === "push") history.pushState(null, "", target);
    else history.replaceState(null, "", target);
  }

  var timer = 0;
  var typing = false;  // within one burst of typing, the first change pushes and the rest replace
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      run(input.value, typing ? "replace" : "push");
      typing = true;
    }, WAIT);
  });
  input.addEventListener("blur", function () { typing = false; });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run(input.value, typing ? "replace" : "push");
    typing = false;
  });
  window.addEventListener("popstate", function () {
    clearTimeout(timer);
    input.value = queryFromUrl();
    typing = false;
    run(input.value, null);
  });

  input.value = queryFromUrl();
  run(input.value, null);
})();
