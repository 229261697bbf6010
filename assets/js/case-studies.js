/* The case study database: facets, search, chips and URL state (facets.js), plus two views
 * (a grid of the tiles already in the page, and a table that mirrors the spreadsheet) and sort.
 */
(function () {
  "use strict";
  var index = window.HUB_INDEX;
  var F = window.HubFacets;
  if (!index || !F || !document.getElementById("filters")) return;

  var root = document.body.getAttribute("data-root") || "";
  var tax = index.taxonomies;
  var items = index.case_studies;
  var opportunities = tax.opportunities;

  var values = F.values;
  function unique(list) {
    return Array.from(new Set(list));
  }
  function cardValues(name) {
    return function (cs) { return unique([].concat.apply([], cs.cards.map(function (c) { return c[name]; }))); };
  }

  var facets = [
    { key: "opportunity", label: "Opportunities", values: values(opportunities), modes: true, open: true,
      modeLegend: "Case studies with", get: function (cs) { return cs.opportunities; } },
    { key: "enabler", label: "Enablers", values: values(tax.enablers), open: true, get: cardValues("enablers") },
    { key: "sector", label: "Sector", values: values(tax.sectors), get: function (cs) { return cs.sectors; } },
    { key: "place", label: "Type of place", values: values(tax.types_of_place), get: function (cs) { return cs.type_of_place; } },
    { key: "country", label: "Country", values: values(tax.countries), get: function (cs) { return cs.country ? [cs.country] : []; } },
    { key: "benefit", label: "Benefit category", values: values(tax.benefits), get: cardValues("benefits") },
    { key: "card", label: "Case study card", values: [{ key: "yes", label: "Has a card" }],
      get: function (cs) { return cs.cards.length ? ["yes"] : []; } },
  ];

  // Sorting: the select offers number, name and matching opportunities; table headers add columns.
  var columns = [
    { key: "number", label: "No.", compare: byNumber },
    { key: "name", label: "Case study", compare: byName },
    { key: "place", label: "Type of place", compare: byText(function (cs) { return cs.type_of_place.join(", "); }) },
    { key: "location", label: "Location", compare: byText(function (cs) { return cs.location || ""; }) },
  ].concat(opportunities.map(function (o) {
    return { key: "o-" + o.key, label: o.name, number: o.number, opportunity: o,
             compare: function (a, b) { return (o.key in b.notes) - (o.key in a.notes); } };
  }));
  var sorts = { matches: null };
  columns.forEach(function (c) { sorts[c.key] = c; });
  var sortValues = [];
  Object.keys(sorts).forEach(function (k) { sortValues.push(k, "-" + k); });

  function byNumber(a, b) {
    return (a.number === null) - (b.number === null) || (a.number || 0) - (b.number || 0) || byName(a, b);
  }
  function byName(a, b) {
    return a.title.localeCompare(b.title, "en-GB", { sensitivity: "base" });
  }
  function byText(get) {
    return function (a, b) { return get(a).localeCompare(get(b), "en-GB", { sensitivity: "base" }); };
  }
  function matching(cs, state) {
    var chosen = state.selected.opportunity;
    if (!chosen.size) return cs.opportunities.length;
    return cs.opportunities.filter(function (k) { return chosen.has(k); }).length;
  }
  // Each sort's full order is computed once, as a rank per item; sorting the matches is then
  // a comparison of two integers (this keeps a change fast with 10 000 case studies).
  var ranks = {};
  function rank(key) {
    if (!ranks[key]) {
      var all = items.map(function (_, i) { return i; });
      all.sort(function (i, j) { return sorts[key].compare(items[i], items[j]) || byNumber(items[i], items[j]); });
      var r = new Int32Array(items.length);
      all.forEach(function (item, position) { r[item] = position; });
      ranks[key] = r;
    }
    return ranks[key];
  }
  function order(indices, state) {
    var sort = state.settings.sort;
    var descending = sort.charAt(0) === "-";
    var key = descending ? sort.slice(1) : sort;
    var byNo = rank("number");
    var sorted = indices.slice();
    if (key === "matches") {
      var score = {};
      indices.forEach(function (i) { score[i] = matching(items[i], state); });
      sorted.sort(function (i, j) { return (descending ? -1 : 1) * (score[j] - score[i]) || byNo[i] - byNo[j]; });
    } else {
      var r = rank(key);
      sorted.sort(function (i, j) { return descending ? r[j] - r[i] : r[i] - r[j]; });
    }
    return sorted;
  }

  // The grid: the tiles the page was built with, reordered and filtered. ------------------
  var grid = document.getElementById("results");
  var tiles = {};
  grid.querySelectorAll("[data-slug]").forEach(function (tile) { tiles[tile.getAttribute("data-slug")] = tile; });

  // The table, built the first time it is shown. -------------------------------------------
  var tableView = document.getElementById("table-view");
  var table = null;
  var rows = null;
  var tip = null;

  function buildTable() {
    var el = F.el;
    var headRow = el("tr");
    columns.forEach(function (c) {
      var label = c.opportunity
        ? [el("span", { className: "col-number", text: String(c.number) }), el("span", { text: c.label })]
        : [el("span", { text: c.label })];
      var button = el("button", { type: "button", className: "sort-button", "data-sort": c.key }, label.concat([
        el("span", { className: "sort-arrow", "aria-hidden": "true" }),
      ]));
      headRow.append(el("th", { scope: "col", className: c.opportunity ? "col-opportunity" : "col-" + c.key }, [button]));
    });
    var body = el("tbody");
    rows = [];
    table = el("table", { className: "spreadsheet" }, [
      el("caption", { text: "Case studies by opportunity: a dot marks a note; hover over it or focus it to read the note." }),
      el("thead", {}, [headRow]),
      body,
    ]);
    var scroller = el("div", { className: "table-scroll", role: "region", "aria-label": "Case studies table (scrolls sideways)", tabindex: "0" }, [table]);
    tip = el("div", { className: "note-tip", "aria-hidden": "true", hidden: "" });
    tableView.prepend(scroller, tip);

    headRow.addEventListener("click", function (event) {
      var button = event.target.closest(".sort-button");
      if (!button) return;
      var key = button.getAttribute("data-sort");
      var current = controller.state().settings.sort;
      var descending = current === key;  // a second click on the same column reverses it
      controller.set("sort", descending ? "-" + key : key);
      button.focus();
    });
    // The note shows beside its mark on hover and on focus; Escape hides it.
    table.addEventListener("mouseover", function (e) { showTip(e.target.closest(".note")); });
    table.addEventListener("mouseout", function (e) { if (e.target.closest(".note")) hideTip(); });
    table.addEventListener("focusin", function (e) { showTip(e.target.closest(".note")); });
    table.addEventListener("focusout", hideTip);
    table.addEventListener("click", function (e) { var n = e.target.closest(".note"); if (n) { n.focus(); showTip(n); } });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") hideTip(); });
    scroller.addEventListener("scroll", function () { if (current) showTip(current); });
  }

  /** The table row of item i, made the first time it is shown. */
  function rowFor(i) {
    if (rows[i]) return rows[i];
    var el = F.el;
    var cs = items[i];
    var cells = [
      el("td", { className: "col-number", text: cs.number === null ? "–" : String(cs.number) }),
      el("th", { scope: "row" }, [el("a", { href: root + cs.url, text: cs.title })]),
      el("td", { text: cs.type_of_place.join(", ") }),
      el("td", { text: cs.location || "" }),
    ];
    opportunities.forEach(function (o) {
      var note = cs.notes[o.key];
      if (!note) {
        cells.push(el("td", { className: "note-cell" }, [el("span", { className: "visually-hidden", text: "No note" })]));
        return;
      }
      var id = "note-" + cs.slug + "-" + o.key;
      cells.push(el("td", { className: "note-cell has-note" }, [
        el("button", { type: "button", className: "note", "aria-describedby": id, "data-note": id }, [
          el("span", { className: "note__mark", "aria-hidden": "true" }),
          el("span", { className: "visually-hidden", text: o.name + " note" }),
        ]),
        el("span", { id: id, hidden: "", text: note }),
      ]));
    });
    rows[i] = el("tr", {}, cells);
    return rows[i];
  }

  var current = null;  // the note whose text is showing
  function showTip(note) {
    if (!note) return;
    current = note;
    var text = document.getElementById(note.getAttribute("data-note")).textContent;
    var label = note.querySelector(".visually-hidden").textContent.replace(/ note$/, "");
    tip.replaceChildren(F.el("strong", { text: label }), document.createTextNode(text));
    tip.hidden = false;
    var box = note.getBoundingClientRect();
    var width = tip.offsetWidth;
    var left = Math.max(8, Math.min(box.left + box.width / 2 - width / 2, document.documentElement.clientWidth - width - 8));
    var top = box.bottom + 6;
    if (top + tip.offsetHeight > window.innerHeight - 8) top = Math.max(8, box.top - tip.offsetHeight - 6);
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }
  function hideTip() {
    current = null;
    if (tip) tip.hidden = true;
  }

  function markSort(sort) {
    if (!table) return;
    var descending = sort.charAt(0) === "-";
    var key = descending ? sort.slice(1) : sort;
    table.querySelectorAll("thead th").forEach(function (th) {
      var button = th.querySelector(".sort-button");
      if (button.getAttribute("data-sort") === key) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
  }

  // Rendering: the first PAGE results, then "Show more"; only touch the DOM when they change.
  var PAGE = 120;
  var limit = PAGE;
  var shown = { grid: null, table: null };
  var last = null;
  var viewRadios = document.querySelectorAll('input[name="view"]');
  var sortSelect = document.getElementById("sort");
  var noResults = document.getElementById("no-results");
  var more = document.getElementById("show-more");
  var extraOption = null;

  function place(container, nodeFor, view, indices) {
    var visible = indices.slice(0, limit);
    var signature = visible.join(",");
    if (shown[view] === signature) return;
    shown[view] = signature;
    var fragment = document.createDocumentFragment();
    for (var i = 0; i < visible.length; i++) fragment.appendChild(nodeFor(visible[i]));
    container.replaceChildren(fragment);
  }

  function tileFor(i) {
    return tiles[items[i].slug];
  }

  function draw() {
    var sorted = last.sorted;
    var view = last.state.settings.view;
    if (view === "table") {
      if (!table) buildTable();
      place(table.tBodies[0], rowFor, "table", sorted);
    } else {
      place(grid, tileFor, "grid", sorted);
    }
    var rest = sorted.length - limit;
    more.hidden = rest <= 0;
    more.textContent = "Show " + Math.min(rest, PAGE) + " more (" + sorted.length + " in all)";
  }

  function render(matches, state) {
    limit = PAGE;  // a new result starts at its top
    last = { sorted: order(matches, state), state: state };
    var view = state.settings.view;
    noResults.hidden = matches.length > 0;
    draw();
    grid.hidden = view === "table";
    tableView.hidden = view !== "table";
    viewRadios.forEach(function (r) { r.checked = r.value === view; });
    syncSortSelect(state.settings.sort);
    markSort(state.settings.sort);
  }

  more.addEventListener("click", function () {
    var first = limit;
    limit += PAGE;
    draw();
    // Focus the first new result's link, so keyboard users carry on where the list grew.
    var next = last.state.settings.view === "table" ? rowFor(last.sorted[first]) : tileFor(last.sorted[first]);
    if (next) next.querySelector("a").focus();
  });

  /** The select shows the sort in force; a table column sort gets its own option while it lasts. */
  function syncSortSelect(sort) {
    var key = sort.replace(/^-/, "");
    if (extraOption) { extraOption.remove(); extraOption = null; }
    if (["number", "name", "matches"].indexOf(key) < 0) {
      var column = sorts[key];
      extraOption = F.el("option", { value: key, text: column.label + " (table column)" });
      sortSelect.append(extraOption);
    }
    sortSelect.value = key;
  }

  document.getElementById("results-options").hidden = false;
  var controller = F.init({
    id: "cs",
    items: items,
    facets: facets,
    text: function (cs) {
      var notes = Object.keys(cs.notes).map(function (k) { return cs.notes[k]; });
      var cards = cs.cards.map(function (c) { return [c.title, c.tagline, c.keywords.join(" "), c.text].join(" "); });
      return [cs.title, cs.summary, cs.spotlight].concat(notes, cards).join(" ");
    },
    settings: { view: { values: ["grid", "table"], fallback: "grid" }, sort: { values: sortValues, fallback: "number" } },
    noun: ["case study", "case studies"],
    searchLabel: "Search the case studies",
    searchHint: "Names, summaries, notes, card text and keywords.",
    render: render,
  });

  viewRadios.forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) controller.set("view", r.value); });
  });
  sortSelect.addEventListener("change", function () { controller.set("sort", sortSelect.value); });
  window.HubDatabase = controller;  // for the benchmark and the tests
})();
