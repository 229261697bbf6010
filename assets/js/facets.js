/* Faceted filtering shared by the case study database, the card deck and the London ideas.
 *
 * A page describes its items and facets; this file does the rest: the facet panel
 * (a fieldset of labelled checkboxes with counts per facet), free-text search over
 * every field the page shows (case and accents ignored; the words come from
 * search.js, loaded by search-text.js on the first search), the matched words
 * highlighted and each result saying where it matched, removable chips that name
 * their facet ("Opportunity: Training", "Enabler: Training"), "clear all", the result
 * count in the page's role="status" element, a "Show N results" button that takes the
 * reader from the filters to the results, and the whole state in the query string
 * (pushState, so Back and Forward work, over http and file:// alike).
 *
 * Within a facet values combine with OR (or AND, for a facet with an any/all control);
 * across facets with AND. A value's count is what checking it would give with every
 * other facet as it is; a value that would give nothing is greyed (disabled) but stays.
 *
 * Classic script (ES modules do not load over file://): it defines window.HubFacets.
 */
(function () {
  "use strict";

  /** Lower case, accents removed, so "cafe" finds "Café". */
  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function words(query) {
    return fold(query).split(/\s+/).filter(Boolean);
  }

  function plural(n, noun) {
    return n + " " + (n === 1 ? noun[0] : noun[1]);
  }

  // The engine: items and facets in, matching item indices and counts out. No DOM. -------

  /**
   * items: any objects. facets: [{key, label, one (the singular, for chips), values: [{key, label}],
   * get(item) -> [value keys], modes?: true (the facet has an "any of" / "all of" control),
   * offer?(value) -> false to leave a value out of the panel}].
   * fields(item) -> [[key, label, text], ...]: what search covers, field by field.
   */
  function Engine(items, facets, fields) {
    this.items = items;
    this.facets = facets;
    this.fieldsOf = fields;
    this.refresh();
    // Every value of every facet has a number, facet by facet in facet.values order: counting
    // is then one walk over small integers into one typed array, with no object made.
    var size = 0;
    this.offsets = facets.map(function (facet) { var at = size; size += facet.values.length; return at; });
    this.size = size;
    var offsets = this.offsets;
    this.columns = facets.map(function (facet, f) { return column(items, facet, offsets[f]); });
    this.all = joined(items.length, this.columns);
  }

  /**
   * A facet's values for every item, as a run of a typed array: item i has values[start[i]] ..
   * values[start[i + 1] - 1], each once, numbered from offset.
   */
  function column(items, facet, offset) {
    var ids = {};
    facet.values.forEach(function (v, j) { ids[v.key] = offset + j; });
    var start = new Int32Array(items.length + 1);
    var list = [];
    items.forEach(function (item, i) {
      start[i] = list.length;
      facet.get(item).forEach(function (key) {
        var id = ids[key];
        if (id !== undefined && list.lastIndexOf(id) < start[i]) list.push(id);
      });
    });
    start[items.length] = list.length;
    return { ids: ids, start: start, values: Int32Array.from(list) };
  }

  /** The values of every facet for each item, in one run per item (what a match counts). */
  function joined(n, columns) {
    var start = new Int32Array(n + 1);
    var list = [];
    for (var i = 0; i < n; i++) {
      start[i] = list.length;
      columns.forEach(function (col) {
        for (var k = col.start[i]; k < col.start[i + 1]; k++) list.push(col.values[k]);
      });
    }
    start[n] = list.length;
    return { start: start, values: Int32Array.from(list) };
  }

  /** (Re)read every item's fields: once on arrival, again when search.js has loaded. */
  Engine.prototype.refresh = function () {
    var fieldsOf = this.fieldsOf;
    this.fields = this.items.map(function (item) { return fieldsOf(item); });
    this.haystacks = this.fields.map(function (list) { return fold(list.map(function (f) { return f[2]; }).join("\n")); });
    this.folded = [];  // per item, each field folded; made when first asked for
  };

  /** The fields of item i in which any of the terms occurs. */
  Engine.prototype.matched = function (i, terms) {
    if (!terms.length) return [];
    var list = this.fields[i];
    var folded = this.folded[i] || (this.folded[i] = list.map(function (f) { return fold(f[2]); }));
    return list.filter(function (f, k) {
      return terms.some(function (t) { return folded[k].indexOf(t) >= 0; });
    });
  };

  /** The chosen values as flags (by number), and per facet with a choice: {col, n chosen, all (all-of mode)}. */
  Engine.prototype.choices = function (state) {
    var columns = this.columns;
    var flags = new Uint8Array(this.size);
    var list = [];
    this.facets.forEach(function (facet, f) {
      var col = columns[f];
      var n = 0;
      (state.selected[facet.key] || new Set()).forEach(function (key) {
        var id = col.ids[key];
        if (id !== undefined && !flags[id]) { flags[id] = 1; n++; }
      });
      if (n) list.push({ col: col, n: n, all: Boolean(facet.modes) && state.modes[facet.key] === "all" });
    });
    return { flags: flags, list: list };
  };

  /**
   * {matches: [item index...] in item order, matched: a flag per item, counts: {facet key:
   * Int32Array, a count per value in facet.values order}}. A value's count is what checking it
   * would give, every other facet as it is. One pass, in one function: this runs on every click.
   */
  Engine.prototype.run = function (state) {
    var n = this.items.length;
    var terms = words(state.q || "");
    var nt = terms.length;
    var hays = this.haystacks;
    var choices = this.choices(state);
    var flags = choices.flags;
    var list = choices.list;
    var nc = list.length;
    var allStart = this.all.start;
    var allValues = this.all.values;
    var counts = new Int32Array(this.size);
    var matched = new Uint8Array(n);
    var matches = [];
    var k, end, col;
    for (var i = 0; i < n; i++) {
      if (nt) {
        var t = 0;
        while (t < nt && hays[i].indexOf(terms[t]) !== -1) t++;
        if (t < nt) continue;
      }
      var failed = -1;  // the one choice item i fails; -2 for more than one
      for (var c = 0; c < nc && failed !== -2; c++) {
        col = list[c].col;
        var have = 0;
        for (k = col.start[i], end = col.start[i + 1]; k < end; k++) have += flags[col.values[k]];
        if (list[c].all ? have !== list[c].n : have === 0) failed = failed === -1 ? c : -2;
      }
      if (failed === -1) {
        matched[i] = 1;
        matches.push(i);
        for (k = allStart[i], end = allStart[i + 1]; k < end; k++) counts[allValues[k]]++;
      } else if (failed >= 0 && !list[failed].all) {
        // Fails only this facet's "any of": checking one of its own values would bring it in.
        col = list[failed].col;
        for (k = col.start[i], end = col.start[i + 1]; k < end; k++) counts[col.values[k]]++;
      }
    }
    var byFacet = {};
    var offsets = this.offsets;
    this.facets.forEach(function (facet, f) {
      byFacet[facet.key] = counts.subarray(offsets[f], offsets[f] + facet.values.length);
    });
    return { matches: matches, matched: matched, counts: byFacet };
  };

  // State <-> query string ---------------------------------------------------------------

  /**
   * State: {selected: {facet: Set}, modes: {facet: "any"|"all"}, q, settings: {name: value}}.
   * settings: {name: {values: [...], fallback}} for page options such as view and sort.
   */
  function readState(search, facets, settings) {
    var params = new URLSearchParams(search);
    var state = { selected: {}, modes: {}, q: params.get("q") || "", settings: {} };
    facets.forEach(function (facet) {
      var known = new Set(facet.values.map(function (v) { return v.key; }));
      state.selected[facet.key] = new Set(params.getAll(facet.key).filter(function (v) { return known.has(v); }));
      if (facet.modes) state.modes[facet.key] = params.get(facet.key + "-match") === "all" ? "all" : "any";
    });
    Object.keys(settings).forEach(function (name) {
      var value = params.get(name);
      state.settings[name] = settings[name].values.indexOf(value) >= 0 ? value : settings[name].fallback;
    });
    return state;
  }

  /** The query string for a state, in a stable order, leaving out defaults. */
  function writeQuery(state, facets, settings) {
    var params = new URLSearchParams();
    facets.forEach(function (facet) {
      var chosen = state.selected[facet.key];
      facet.values.forEach(function (v) { if (chosen.has(v.key)) params.append(facet.key, v.key); });
      if (facet.modes && state.modes[facet.key] === "all") params.set(facet.key + "-match", "all");
    });
    if (state.q.trim()) params.set("q", state.q.trim());
    Object.keys(settings).forEach(function (name) {
      if (state.settings[name] !== settings[name].fallback) params.set(name, state.settings[name]);
    });
    var text = params.toString();
    return text ? "?" + text : "";
  }

  function activeCount(state) {
    var n = state.q.trim() ? 1 : 0;
    Object.keys(state.selected).forEach(function (k) { n += state.selected[k].size; });
    return n;
  }

  // DOM helpers --------------------------------------------------------------------------

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

  // Matched words: <mark> around them, and a line saying where an item matched ---------

  /** text folded as fold() does, with the index in text of each folded character. */
  function foldWithMap(text) {
    if (/^[\x00-\x7f]*$/.test(text)) return { text: text.toLowerCase(), map: null };
    var out = "";
    var map = [];
    for (var i = 0; i < text.length; i++) {
      var f = fold(text[i]);
      out += f;
      for (var k = 0; k < f.length; k++) map.push(i);
    }
    return { text: out, map: map };
  }

  /** [start, end) ranges of text where the terms occur, in order, overlaps merged. */
  function ranges(text, terms) {
    var folded = foldWithMap(text);
    var found = [];
    terms.forEach(function (term) {
      for (var at = folded.text.indexOf(term); at >= 0; at = folded.text.indexOf(term, at + term.length)) {
        var end = at + term.length;
        found.push(folded.map ? [folded.map[at], folded.map[end - 1] + 1] : [at, end]);
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

  var NO_MARKS = "button, mark, script, .visually-hidden, .match-why__label";

  /** Wrap every occurrence of the terms in root's text in <mark class="hit">, after removing old ones. */
  function mark(root, terms) {
    unmark(root);
    if (!terms.length) return;
    var nodes = [];
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentNode.closest(NO_MARKS)) nodes.push(node);
    }
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var found = ranges(text, terms);
      if (!found.length) return;
      var fragment = document.createDocumentFragment();
      var at = 0;
      found.forEach(function (r) {
        if (r[0] > at) fragment.append(text.slice(at, r[0]));
        fragment.append(el("mark", { className: "hit", text: text.slice(r[0], r[1]) }));
        at = r[1];
      });
      if (at < text.length) fragment.append(text.slice(at));
      node.replaceWith(fragment);
    });
  }

  function unmark(root) {
    var marks = root.querySelectorAll("mark.hit");
    if (!marks.length) return;
    marks.forEach(function (m) { m.replaceWith(m.textContent); });
    root.normalize();
  }

  /** A few words either side of the first match in text, with "…" where it is cut. */
  function excerpt(text, terms) {
    var first = ranges(text, terms)[0];
    if (!first) return text;
    var start = Math.max(0, first[0] - 70);
    var end = Math.min(text.length, first[1] + 110);
    var space = text.indexOf(" ", start);  // cut between words, never into the match
    if (start > 0 && space >= 0 && space < first[0]) start = space + 1;
    space = text.lastIndexOf(" ", end);
    if (end < text.length && space > first[1]) end = space;
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  /**
   * Show why item i matched the search: its words marked in container, and a "Matched in:"
   * line naming the fields, with a few words of the first field the container does not show
   * (fields whose key is in `shown` are on screen already). place(node) puts the line in.
   */
  function explain(engine, i, container, terms, shown, place) {
    var old = container.querySelector(".match-why");
    if (old) old.remove();
    terms = terms.filter(function (t) { return t.length > 1; });  // one letter would mark everything
    mark(container, terms);
    var hits = engine.matched(i, terms);
    if (!hits.length) return;
    var labels = [];
    hits.forEach(function (f) { if (labels.indexOf(f[1]) < 0) labels.push(f[1]); });
    var why = el("div", { className: "match-why" }, [
      el("p", {}, [el("span", { className: "match-why__label", text: "Matched in: " }), labels.join(", ")]),
    ]);
    var unseen = hits.filter(function (f) { return shown.indexOf(f[0]) < 0; })[0];
    if (unseen) {
      var words = el("p", { className: "match-why__excerpt", text: excerpt(unseen[2], terms) });
      mark(words, terms);
      why.append(words);
    }
    place(why);
  }

  // The panel: search box, one fieldset per facet, inside a <details> each ---------------

  /** The page's search box (ui.filter_panel has it in the page) and a <details> of checkboxes per facet. */
  function buildPanel(root, o) {
    var id = o.id;
    var search = byId(id + "-q");
    var groups = {};
    o.facets.forEach(function (facet, index) {
      var fid = id + "-" + facet.key;
      var summaryNote = el("span", { className: "facet__selected" });
      var list = el("ul", { className: "facet__values" });
      var boxes = {};
      var labels = {};
      facet.values.forEach(function (v) {
        if (facet.offer && !facet.offer(v)) return;
        var box = el("input", { type: "checkbox", id: fid + "-" + slug(v.key), name: facet.key, value: v.key });
        var count = el("span", { className: "facet__count" });
        var label = el("label", { for: box.id }, [el("span", { className: "facet__label", text: v.label }), count]);
        boxes[v.key] = box;
        labels[v.key] = count;
        list.append(el("li", { className: "facet__value" }, [box, label]));
      });
      var modeBoxes = null;
      var modeControl = null;
      if (facet.modes) {
        modeBoxes = {};
        modeControl = el("fieldset", { className: "facet__mode" }, [el("legend", { text: facet.modeLegend || "Match" })]);
        [["any", "any of these"], ["all", "all of these"]].forEach(function (pair) {
          var r = el("input", { type: "radio", id: fid + "-match-" + pair[0], name: facet.key + "-match", value: pair[0] });
          modeBoxes[pair[0]] = r;
          modeControl.append(el("span", { className: "facet__mode-option" }, [r, el("label", { for: r.id, text: pair[1] })]));
        });
      }
      var fieldset = el("fieldset", { className: "facet", id: fid }, [
        el("legend", { className: "visually-hidden", text: facet.label }),
        modeControl,
        list,
      ]);
      var details = el("details", { className: "facet-group" }, [
        el("summary", {}, [el("span", { text: facet.label }), summaryNote]),
        fieldset,
      ]);
      if (facet.open) details.open = true;
      root.append(details);
      groups[facet.key] = { details: details, boxes: boxes, counts: labels, shown: [], modeBoxes: modeBoxes, note: summaryNote, index: index };
    });
    return { search: search, groups: groups };
  }

  function slug(text) {
    return fold(text).replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  /** The panel as the state and counts say; an element is touched only when it changes. */
  function syncPanel(panel, facets, state, counts) {
    if (document.activeElement !== panel.search && panel.search.value !== state.q) panel.search.value = state.q;
    facets.forEach(function (facet) {
      var g = panel.groups[facet.key];
      var chosen = state.selected[facet.key];
      var n = counts[facet.key];
      facet.values.forEach(function (v, j) {
        var box = g.boxes[v.key];
        if (!box) return;
        var checked = chosen.has(v.key);
        if (box.checked !== checked) box.checked = checked;
        if (box.disabled !== (n[j] === 0 && !checked)) box.disabled = !box.disabled;
        if (g.shown[j] !== n[j]) {
          g.shown[j] = n[j];
          g.counts[v.key].textContent = " (" + n[j] + ")";
        }
      });
      if (g.modeBoxes) {
        var all = state.modes[facet.key] === "all";
        if (g.modeBoxes.all.checked !== all) g.modeBoxes.all.checked = all;
        if (g.modeBoxes.any.checked === all) g.modeBoxes.any.checked = !all;
      }
      setText(g.note, chosen.size ? " · " + chosen.size + " chosen" : "");
      if (chosen.size && !g.details.open) g.details.open = true;
    });
  }

  // Writing a value the page already has still costs the browser a style recalculation:
  // these write only a change.
  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function setHidden(node, hidden) {
    if (node.hidden !== hidden) node.hidden = hidden;
  }

  /** Run fn once the page is painted and the browser is idle (soon: within 100 ms at the latest). */
  function afterPaint(fn) {
    if (window.requestIdleCallback) requestIdleCallback(fn, { timeout: 100 });
    else setTimeout(fn, 16);
  }

  /** container's children become nodes, in this order, keeping in place every one that can stay. */
  function reconcile(container, nodes) {
    var keep = new Set(nodes);
    var children = Array.prototype.slice.call(container.children);
    var staying = children.filter(function (child) { return keep.has(child); });
    if (staying.length < children.length / 2) {  // mostly new: one replacement is cheaper
      var fragment = document.createDocumentFragment();
      nodes.forEach(function (node) { fragment.appendChild(node); });
      container.replaceChildren(fragment);
      return;
    }
    children.forEach(function (child) { if (!keep.has(child)) child.remove(); });
    var at = container.firstElementChild;
    nodes.forEach(function (node) {
      if (node === at) at = at.nextElementSibling;
      else container.insertBefore(node, at);
    });
  }

  function byId(id) {
    return document.getElementById(id);
  }

  /** Facet values from a taxonomy of the index ([{key, name}]). */
  function values(list) {
    return list.map(function (t) { return { key: t.key, label: t.name }; });
  }

  /**
   * The facets of a case study, for every page whose items belong to one (the database,
   * the deck): study(item) -> its case study in the index. Each page offers them in its order.
   */
  function studyFacets(tax, study) {
    return {
      opportunity: { key: "opportunity", label: "Opportunities", one: "Opportunity", values: values(tax.opportunities),
                     modes: true, open: true, get: function (i) { return study(i).opportunities; } },
      sector: { key: "sector", label: "Sector", one: "Sector", values: values(tax.sectors),
                get: function (i) { return study(i).sectors; } },
      place: { key: "place", label: "Type of place", one: "Type of place", values: values(tax.types_of_place),
               get: function (i) { return study(i).type_of_place; } },
      country: { key: "country", label: "Country", one: "Country", values: values(tax.countries),
                 get: function (i) { var c = study(i).country; return c ? [c] : []; } },
    };
  }

  /** A case study's fields as index.js has them, for searching before search.js has loaded. */
  function studyFields(cs, opportunities) {
    var fields = [["name", "Name", cs.title], ["sector", "Sector", cs.sectors.join(", ")],
                  ["place", "Type of place", cs.type_of_place.join(", ")], ["location", "Location", cs.location || ""]];
    opportunities.forEach(function (o) {
      if (cs.notes[o.key]) fields.push(["opportunity:" + o.key, "Opportunity: " + o.name, cs.notes[o.key]]);
    });
    return fields;
  }

  // The controller: wires a page's panel, chips, count and results to the URL -------------

  /**
   * options: {id, items, facets, fields(item) -> [[key, label, text]], settings, noun: [one, many],
   *           render(indices, state, result, controller), beforeChange()}, and the page's
   * elements if not those of ui.filter_panel. fields() is asked again once search.js has
   * loaded; beforeChange, if given, is called as each change begins, before the page is touched.
   */
  function init(options) {
    // The elements of ui.filter_panel and the results bar, unless a page names others.
    var o = Object.assign({
      panel: byId("filter-controls"), toggle: byId("filters-toggle"),
      chips: byId("chips"), count: byId("result-count"), focusAfterClear: byId("filters-heading"),
    }, options);
    byId("filters").hidden = false;
    var settings = o.settings || {};
    var engine = new Engine(o.items, o.facets, o.fields);
    var panel = buildPanel(o.panel, o);
    var state = readState(location.search, o.facets, settings);
    var typing = false;
    var announceTimer = 0;
    var lastQuery = null;
    var controller = {};
    var hasText = false;  // the engine has read the fields of search.js
    var shownChips = null;  // the labels of the chips on the page

    /** A search needs every word: load search.js the first time, then search again. */
    function needText() {
      if (hasText || !window.HubText) return;
      if (window.HubText.loaded()) {
        hasText = true;
        engine.refresh();
      } else {
        window.HubText.load(function () { update(null, typing); });
      }
    }

    // The address follows the page once it is painted: a pushState made during a change costs
    // the reader's wait a few milliseconds (Chromium brings the style up to date, and fetches
    // the favicon again), and the reader waits for the results, not the address. Each change
    // is still its own step of history, in order; following a link or sending a form first
    // writes what is pending, and Back (a popstate) drops it, as the page then shows the
    // address Back went to.
    var pending = [];
    function writeAddresses() {
      pending.splice(0).forEach(function (step) {
        if (step[0] === "push") history.pushState(null, "", step[1]);
        else history.replaceState(null, "", step[1]);
      });
    }
    document.addEventListener("click", function (event) {
      if (pending.length && event.target.closest && event.target.closest("a[href]")) writeAddresses();
    }, true);
    document.addEventListener("submit", writeAddresses, true);
    window.addEventListener("pagehide", writeAddresses);

    function update(history_, announceLater) {
      if (o.beforeChange) o.beforeChange();
      if (state.q.trim()) needText();
      var query = writeQuery(state, o.facets, settings);
      if (query !== lastQuery && history_) {
        if (!pending.length) afterPaint(writeAddresses);
        pending.push([history_, location.pathname + query + location.hash]);
      }
      lastQuery = query;
      var result = engine.run(state);
      syncPanel(panel, o.facets, state, result.counts);
      renderChips();
      o.render(result.matches, state, result, controller);
      var text = plural(result.matches.length, o.noun);
      clearTimeout(announceTimer);
      if (announceLater) {
        announceTimer = setTimeout(function () { setText(o.count, text); }, 700);
      } else {
        setText(o.count, text);
      }
      setText(done, "Show " + text);
      controller.result = result;
      if (controller.afterUpdate) controller.afterUpdate();
    }

    /** One chip per chosen value, named with its facet; a facet with groupChip gets one chip for all. */
    function renderChips() {
      var chips = [];
      if (state.q.trim()) chips.push({ label: "Search: “" + state.q.trim() + "”", remove: function () { state.q = ""; } });
      o.facets.forEach(function (facet) {
        var chosen = facet.values.filter(function (v) { return state.selected[facet.key].has(v.key); });
        var named = function (v) { return facet.one ? facet.one + ": " + v.label : v.label; };
        if (facet.groupChip && chosen.length > 1) {
          chips.push({ label: plural(chosen.length, facet.groupChip), remove: function () { state.selected[facet.key].clear(); } });
          return;
        }
        chosen.forEach(function (v) {
          chips.push({ label: named(v), remove: function () { state.selected[facet.key].delete(v.key); } });
        });
      });
      var signature = chips.map(function (chip) { return chip.label; }).join("\n");
      if (signature === shownChips) return;  // the same chips: leave them be
      shownChips = signature;
      var list = el("ul", { className: "chips__list" });
      chips.forEach(function (chip, i) {
        var button = el("button", { type: "button", className: "chip", "data-index": String(i),
                                    "aria-label": "Remove filter: " + chip.label },
                        [el("span", { text: chip.label }), el("span", { className: "chip__x", "aria-hidden": "true", text: "×" })]);
        button.addEventListener("click", function () {
          chip.remove();
          update("push");
          focusChip(i);
        });
        list.append(el("li", {}, [button]));
      });
      var clear = el("button", { type: "button", className: "chips__clear", text: "Clear all" });
      clear.addEventListener("click", function () {
        o.facets.forEach(function (facet) { state.selected[facet.key].clear(); });
        state.q = "";
        panel.search.value = "";
        update("push");
        o.focusAfterClear.focus();
      });
      o.chips.replaceChildren();
      o.chips.hidden = chips.length === 0;
      if (chips.length) {
        o.chips.append(el("h2", { className: "visually-hidden", text: "Active filters" }), list, clear);
      }
    }

    /** After a chip is removed, focus its neighbour, or the heading when none is left. */
    function focusChip(i) {
      var left = o.chips.querySelectorAll(".chip");
      if (left.length) left[Math.min(i, left.length - 1)].focus();
      else o.focusAfterClear.focus();
    }

    o.panel.addEventListener("change", function (event) {
      var target = event.target;
      if (target === panel.search) return;
      if (target.type === "radio" && /-match$/.test(target.name)) {
        state.modes[target.name.replace(/-match$/, "")] = target.value;
      } else if (target.type === "checkbox") {
        var set = state.selected[target.name];
        if (target.checked) set.add(target.value); else set.delete(target.value);
      } else {
        return;
      }
      typing = false;
      update("push");
    });
    panel.search.addEventListener("input", function () {
      state.q = panel.search.value;
      update(typing ? "replace" : "push", true);
      typing = true;
    });
    panel.search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();  // the list already shows the results
    });
    window.addEventListener("popstate", function () {
      pending.length = 0;
      state = readState(location.search, o.facets, settings);
      panel.search.value = state.q;
      typing = false;
      update(null);
      if (o.onRestore) o.onRestore(state);
    });

    // The facets fold away behind one button on a phone (and wherever a page folds them,
    // as the database's table does); it says how many filters are on.
    // Whether the filters are folded is the stylesheet's to say (the toggle shows when they
    // are); asking costs a style recalculation, so it is asked again only when it may change.
    var toggle = o.toggle;
    var isFolded = null;
    function folded() {
      if (isFolded === null) isFolded = Boolean(toggle) && getComputedStyle(toggle).display !== "none";
      return isFolded;
    }
    function isOpen() {
      return Boolean(toggle) && toggle.getAttribute("aria-expanded") === "true";
    }
    function setOpen(open) {
      toggle.setAttribute("aria-expanded", String(open));
      toggle.parentNode.classList.toggle("is-open", open);
      syncToggle();
    }
    function syncToggle() {
      if (toggle) {
        var n = activeCount(state) - (state.q.trim() ? 1 : 0);
        setText(toggle, (isOpen() ? "Hide filters" : "Show filters") + (n ? " (" + n + " on)" : ""));
      }
      syncDone();
    }
    if (toggle) toggle.addEventListener("click", function () { setOpen(!isOpen()); });

    // "Show N results": at the foot of the filters (it stays in view while they scroll),
    // whenever the results are out of sight; in a folded panel, whenever it is open.
    // It closes a folded panel and takes focus to the result count.
    var done = el("button", { type: "button", className: "button", id: o.id + "-done" });
    var doneBar = el("p", { className: "filters-done", hidden: "" }, [done]);
    o.panel.append(doneBar);
    var countInView = true;
    function syncDone() {
      var hide = folded() ? !isOpen() : countInView;
      if (doneBar.hidden !== hide) doneBar.hidden = hide;
    }
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        countInView = entries[entries.length - 1].isIntersecting;
        syncDone();
      }).observe(o.count);
    }
    window.addEventListener("resize", function () {
      isFolded = null;
      syncDone();
    });
    o.count.setAttribute("tabindex", "-1");
    done.addEventListener("click", function () {
      if (folded() && isOpen()) setOpen(false);
      o.count.scrollIntoView({ block: "start" });
      o.count.focus({ preventScroll: true });
    });
    controller.afterUpdate = syncToggle;

    controller.state = function () { return state; };
    /** The words of the search, folded, as the engine matches them. */
    controller.terms = function () { return words(state.q); };
    /** Change a page setting (view, sort) and record it in the URL. */
    controller.set = function (name, value) {
      state.settings[name] = value;
      typing = false;
      update("push");
    };
    /** Draw again (a page calls this when something outside the state changed). */
    controller.refresh = function () { update(null); };
    /** Fold the filters away (or not): the database folds them in its table view. */
    var finder = o.panel.closest(".finder");
    controller.fold = function (on) {
      if (finder.classList.contains("finder--folded") === on) return;
      finder.classList.toggle("finder--folded", on);
      isFolded = null;
      syncToggle();
    };
    controller.engine = engine;
    controller.panel = panel;
    update(null);
    return controller;
  }

  window.HubFacets = { fold: fold, words: words, plural: plural, el: el, values: values, Engine: Engine,
                       setText: setText, setHidden: setHidden, reconcile: reconcile, afterPaint: afterPaint,
                       studyFacets: studyFacets, studyFields: studyFields, mark: mark, explain: explain,
                       readState: readState, writeQuery: writeQuery, activeCount: activeCount, init: init };
})();
