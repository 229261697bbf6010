/* The case study database: facets, search, chips and URL state (facets.js), two views (a grid
 * of the tiles already in the page, and the spreadsheet overview as a table) and sort, and
 * "take it away": the shown case studies as CSV (csv.js), or their cards in the deck.
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
  var el = F.el;

  function unique(list) {
    return Array.from(new Set(list));
  }
  function cardValues(name) {
    return function (cs) { return unique([].concat.apply([], cs.cards.map(function (c) { return c[name]; }))); };
  }

  var study = F.studyFacets(tax, function (cs) { return cs; });
  var facets = [
    Object.assign(study.opportunity, { modeLegend: "Case studies with" }),
    { key: "enabler", label: "Enablers", one: "Enabler", values: F.values(tax.enablers), open: true, get: cardValues("enablers") },
    study.sector,
    study.place,
    study.country,
    { key: "benefit", label: "Benefit category", one: "Benefit", values: F.values(tax.benefits), get: cardValues("benefits") },
    { key: "card", label: "Case study card", values: [{ key: "yes", label: "Has a card" }],
      get: function (cs) { return cs.cards.length ? ["yes"] : []; } },
  ];

  /** What search covers: every field of search.js, or what index.js has until it loads. */
  function fields(cs) {
    var all = window.HubText ? window.HubText.fields("case-study", cs.slug) : [];
    return all.length ? all : F.studyFields(cs, opportunities);
  }
  /** The fields a tile shows: its name, type of place, location and teaser (spotlight, else summary). */
  function onTile(cs) {
    var teaser = window.HubText && window.HubText.field("case-study", cs.slug, "spotlight") ? "spotlight" : "summary";
    return ["name", "place", "location", teaser];
  }

  // Sorting: the select offers number, name and matching opportunities; table headers add columns.
  var columns = [
    { key: "number", label: "No.", className: "col-number", compare: byNumber },
    { key: "name", label: "Case study", className: "col-name", compare: byName },
  ].concat(opportunities.map(function (o) {
    return { key: "o-" + o.key, label: o.name, number: o.number, opportunity: o, className: "col-o",
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
  function matching(cs, state) {
    var chosen = state.selected.opportunity;
    if (!chosen.size) return cs.opportunities.length;
    return cs.opportunities.filter(function (k) { return chosen.has(k); }).length;
  }
  // Each sort's whole order is computed once, the first time it is asked for; a change then
  // reads its results off it in one pass, with no sorting (this keeps a change fast with
  // 10 000 case studies). "Matching opportunities" depends on the filters: its results are
  // dealt by score into piles, each in collection order.
  var orders = {};
  function orderOf(key) {
    if (!orders[key]) {
      orders[key] = items.map(function (_, i) { return i; });
      orders[key].sort(function (i, j) { return sorts[key].compare(items[i], items[j]) || byNumber(items[i], items[j]); });
    }
    return orders[key];
  }
  function order(matched, state) {
    var sort = state.settings.sort;
    var descending = sort.charAt(0) === "-";
    var key = descending ? sort.slice(1) : sort;
    var all = orderOf(key === "matches" ? "number" : key);
    var sorted = [];
    var j;
    if (key !== "matches") {
      if (descending) for (j = all.length - 1; j >= 0; j--) { if (matched[all[j]]) sorted.push(all[j]); }
      else for (j = 0; j < all.length; j++) { if (matched[all[j]]) sorted.push(all[j]); }
      return sorted;
    }
    var piles = [];
    for (j = 0; j < all.length; j++) {
      var i = all[j];
      if (!matched[i]) continue;
      var score = matching(items[i], state);
      (piles[score] || (piles[score] = [])).push(i);
    }
    // The most matching first (the fewest, reversed), each pile in collection order.
    for (j = 0; j < piles.length; j++) {
      var pile = piles[descending ? j : piles.length - 1 - j];
      if (pile) sorted.push.apply(sorted, pile);
    }
    return sorted;
  }

  // The grid: the tiles the page was built with, reordered and filtered. ------------------
  var grid = document.getElementById("results");
  var tiles = {};
  grid.querySelectorAll("[data-slug]").forEach(function (tile) { tiles[tile.getAttribute("data-slug")] = tile; });

  // The table: the spreadsheet overview, built the first time it is shown. ----------------
  //
  // No. and name stay in view on the left, the header row at the top; the table scrolls
  // inside a region no taller than the window, so its sideways scrollbar is always in reach.
  // Each row is one tab stop; the arrow keys move between cells, as in a spreadsheet.
  var tableView = document.getElementById("table-view");
  var tableHolder = document.getElementById("table-holder");
  var columnSelect = document.getElementById("table-column");
  var cellRadios = document.querySelectorAll('input[name="cells"]');
  var phone = window.matchMedia("(max-width: 40rem)");
  var table = null;
  var rows = [];
  var tip = null;

  function buildTable() {
    var headRow = el("tr");
    columns.forEach(function (c) {
      var label = c.opportunity
        ? [el("span", { className: "col-o__number", text: String(c.number) }),
           el("span", { className: "visually-hidden", text: "Opportunity: " }), el("span", { text: c.label })]
        : [el("span", { text: c.label })];
      var button = el("button", { type: "button", className: "sort-button", "data-sort": c.key, tabindex: "-1" }, label.concat([
        el("span", { className: "sort-arrow", "aria-hidden": "true" }),
      ]));
      var th = el("th", { scope: "col", className: c.className, tabindex: "-1" }, [button]);
      if (c.opportunity) th.setAttribute("data-o", c.opportunity.key);
      headRow.append(th);
    });
    headRow.querySelector(".sort-button").tabIndex = 0;
    table = el("table", { className: "spreadsheet", "aria-describedby": "table-keys" }, [
      el("caption", { id: "table-caption" }),
      el("thead", {}, [headRow]),
      el("tbody"),
    ]);
    var scroller = el("div", { className: "table-scroll", role: "region", "aria-labelledby": "table-caption" }, [table]);
    tip = el("div", { className: "note-tip", "aria-hidden": "true", hidden: "" });
    tableHolder.append(scroller, tip);

    headRow.addEventListener("click", function (event) {
      var button = event.target.closest(".sort-button");
      if (!button) return;
      var key = button.getAttribute("data-sort");
      var current = controller.state().settings.sort;
      var descending = current === key;  // a second click on the same column reverses it
      controller.set("sort", descending ? "-" + key : key);
      button.focus();
    });
    // A note's mark shows the note beside it on hover and on focus; Escape hides it.
    table.addEventListener("mouseover", function (e) { showTip(e.target.closest(".note")); });
    table.addEventListener("mouseout", function (e) { if (e.target.closest(".note")) hideTip(); });
    table.addEventListener("focusin", function (e) { showTip(e.target.closest(".note")); });
    table.addEventListener("focusout", hideTip);
    table.addEventListener("click", function (e) { var n = e.target.closest(".note"); if (n) { n.focus(); showTip(n); } });
    table.addEventListener("keydown", moveByKey);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") hideTip(); });
    scroller.addEventListener("scroll", function () { if (current) showTip(current); });
  }

  /** The table row of item i, made the first time it is shown. */
  function rowFor(i) {
    if (rows[i]) return rows[i];
    var cs = items[i];
    var meta = [cs.type_of_place.join(", "), cs.location || ""].filter(Boolean).join(" · ");
    var cells = [
      el("td", { className: "col-number", tabindex: "-1", text: cs.number === null ? "–" : String(cs.number) }),
      el("th", { scope: "row", className: "col-name", tabindex: "-1" }, [
        el("a", { href: root + cs.url, text: cs.title, tabindex: "0" }),
        meta ? el("span", { className: "row-meta", text: meta }) : null,
      ]),
    ];
    opportunities.forEach(function (o) {
      var note = cs.notes[o.key];
      var cell = el("td", { className: "col-o note-cell", tabindex: "-1", "data-o": o.key });
      if (!note) {
        cell.append(el("span", { className: "visually-hidden", text: "No note" }));
      } else {
        var id = "note-" + cs.slug + "-" + o.key;
        cell.classList.add("has-note");
        cell.append(
          el("button", { type: "button", className: "note", "aria-describedby": id, "data-note": id, tabindex: "-1" }, [
            el("span", { className: "note__mark", "aria-hidden": "true" }),
            el("span", { className: "visually-hidden", text: "Opportunity: " + o.name + " note" }),
          ]),
          el("span", { id: id, className: "note-text", text: note })
        );
      }
      cells.push(cell);
    });
    rows[i] = el("tr", {}, cells);
    showColumn(rows[i]);
    return rows[i];
  }

  /** The opportunity column a reader chose ("all" for every one); on a phone, always just one. */
  function chosenColumn() {
    var column = last ? last.state.settings.column : "all";
    return column === "all" && phone.matches ? opportunities[0].key : column;
  }
  function showColumn(row) {
    var column = chosenColumn();
    row.querySelectorAll("[data-o]").forEach(function (cell) {
      cell.classList.toggle("is-off", column !== "all" && cell.getAttribute("data-o") !== column);
    });
  }

  // Keys: one tab stop per row (where the reader last was in it); arrows move between cells.
  function visibleCells(row) {
    return Array.prototype.filter.call(row.cells, function (cell) { return cell.getClientRects().length > 0; });
  }
  function focusTarget(cell) {
    var inner = cell.querySelector("a, button");
    return inner && inner.getClientRects().length ? inner : cell;
  }
  function moveTo(cell) {
    var target = focusTarget(cell);
    cell.parentNode.querySelectorAll('[tabindex="0"]').forEach(function (n) { n.tabIndex = -1; });
    target.tabIndex = 0;
    target.focus();
  }
  function moveByKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var cell = event.target.closest("th, td");
    if (!cell) return;
    var cells = visibleCells(cell.parentNode);
    var x = cells.indexOf(cell);
    var next;
    if (event.key === "ArrowRight") next = cells[x + 1];
    else if (event.key === "ArrowLeft") next = cells[x - 1];
    else if (event.key === "Home") next = cells[0];
    else if (event.key === "End") next = cells[cells.length - 1];
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var all = Array.prototype.slice.call(table.rows);
      var row = all[all.indexOf(cell.parentNode) + (event.key === "ArrowDown" ? 1 : -1)];
      if (row) {
        var other = visibleCells(row);
        next = other[Math.min(x, other.length - 1)];
      }
    } else {
      return;
    }
    event.preventDefault();
    if (next) moveTo(next);
  }
  /** After the cells change (notes shown, a column hidden), a row's tab stop must still be visible. */
  function fixStops() {
    Array.prototype.forEach.call(table.rows, function (row) {
      var stop = row.querySelector('[tabindex="0"]');
      if (stop && stop.getClientRects().length && focusTarget(stop.closest("th, td")) === stop) return;
      if (stop) stop.tabIndex = -1;
      focusTarget(row.querySelector(".col-name") && row.parentNode.tagName === "TBODY" ? row.querySelector(".col-name") : visibleCells(row)[0]).tabIndex = 0;
    });
  }

  var current = null;  // the note whose text is showing
  function showTip(note) {
    if (!note || table.classList.contains("spreadsheet--notes")) return;
    current = note;
    var text = document.getElementById(note.getAttribute("data-note")).textContent;
    var label = note.querySelector(".visually-hidden").textContent.replace(/ note$/, "");
    tip.replaceChildren(el("strong", { text: label }), document.createTextNode(text));
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

  /** The table's settings: sort arrows, notes or marks in the cells, which columns show. */
  function syncTable(state) {
    var descending = state.settings.sort.charAt(0) === "-";
    var key = state.settings.sort.replace(/^-/, "");
    table.querySelectorAll("thead th").forEach(function (th) {
      if (th.querySelector(".sort-button").getAttribute("data-sort") === key) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    var notes = state.settings.cells === "notes";
    table.classList.toggle("spreadsheet--notes", notes);
    table.caption.textContent = notes
      ? "Case studies by opportunity, with the text of each note."
      : "Case studies by opportunity: a dot marks a note; point at it or move to it to read the note.";
    cellRadios.forEach(function (r) { r.checked = r.value === state.settings.cells; });
    columnSelect.value = chosenColumn();
    columnSelect.querySelector('option[value="all"]').disabled = phone.matches;
    table.classList.toggle("spreadsheet--one", chosenColumn() !== "all");
    showColumn(table.tHead.rows[0]);
    rows.forEach(function (row) { if (row) showColumn(row); });
    fixStops();
  }

  // Rendering: the first PAGE results, then "Show more"; only touch the DOM when they change.
  var PAGE = 120;
  var limit = PAGE;
  var shown = { grid: null, table: null };
  var marked = { grid: null, table: null };
  var last = null;
  var viewRadios = document.querySelectorAll('input[name="view"]');
  var sortSelect = document.getElementById("sort");
  var noResults = document.getElementById("no-results");
  var more = document.getElementById("show-more");
  var wrap = grid.closest(".wrap");
  var extraOption = null;

  // A change puts in the page at once the results the reader can see, and the rest of the
  // window a few at a time when the browser is idle, a moment later: below the fold, they are
  // not what the reader waits for. "Show more" puts all of its results in at once (focus goes
  // to the first new one).
  var FIRST = 12;  // as many as site.css always lays out, and at least as many as a window holds (8 at 2560 x 1440)
  var first = null;  // {view, count}: see measure()
  var STEP = 24;  // the rest of the window, so many at a time
  var whole = false;

  /** How many results fill the window where the list is now (those above the window's foot),
   *  and a row more, as new results may be shorter. Measured once a change is painted, when
   *  the page is quiet, so that the next change waits for no layout of its own; after the
   *  window scrolls or changes size, the next change measures first, before it touches the page. */
  function measure() {
    var view = last ? last.state.settings.view : null;
    var container = view === "table" ? (table && table.tBodies[0]) : grid;
    var kids = container ? container.children : [];
    var count = FIRST;
    if (kids.length && container.getBoundingClientRect().height > 0) {
      var bottom = window.innerHeight;
      var top = kids[0].getBoundingClientRect().top;
      var row = 1;
      while (row < kids.length && kids[row].getBoundingClientRect().top === top) row++;
      var n = 0;
      while (n < kids.length && kids[n].getBoundingClientRect().top < bottom) n++;
      // With every result in the window, the list may end above its foot: as many as a window holds.
      count = n < kids.length ? n + row : Math.max(n + row, FIRST);
    }
    first = { view: view, count: count };
  }
  function moved() { first = null; }
  window.addEventListener("scroll", moved, { passive: true });
  window.addEventListener("resize", moved);

  function place(container, nodeFor, view, indices) {
    var visible = indices.slice(0, limit);
    var signature = visible.join(",");
    if (shown[view] !== signature) {
      shown[view] = signature;
      var head = whole ? visible : visible.slice(0, first && first.view === view ? first.count : FIRST);
      F.reconcile(container, head.map(nodeFor));  // the results that stay are not touched
      var placed = head.length;
      var rest = function () {  // a few at a time, so that no one frame is long
        if (shown[view] !== signature) return;
        if (placed < visible.length) {
          placed = Math.min(visible.length, placed + STEP);
          F.reconcile(container, visible.slice(0, placed).map(nodeFor));
          F.afterPaint(rest);
        } else {
          measure();
        }
      };
      F.afterPaint(rest);
    }
    // The search's words, marked in what is shown (again only when the words or the list change).
    var terms = controller.terms();
    var words = terms.join(" ") + "|" + signature + "|" + (window.HubText && window.HubText.loaded());
    if (marked[view] === words) return;
    marked[view] = words;
    explainAll(view, visible, terms);
  }

  // The first results are explained at once, the rest a few at a time after the list is
  // painted, so a keystroke is not kept waiting by results below the fold.
  var jobs = { grid: 0, table: 0 };
  var BATCH = 24;
  var carrying = { grid: new Set(), table: new Set() };  // results with marks or a "Matched in" line
  function explainAll(view, visible, terms) {
    var job = ++jobs[view];
    var at = 0;
    var marking = terms.some(function (t) { return t.length > 1; });  // one letter marks nothing
    // With nothing to mark, only the results that carry marks from an earlier search need a visit.
    if (!marking) visible = visible.filter(function (i) { return carrying[view].has(i); });
    (function batch() {
      if (job !== jobs[view]) return;  // a newer result has taken over
      for (var end = Math.min(visible.length, at + BATCH); at < end; at++) {
        explainOne(view, visible[at], terms);
        if (marking) carrying[view].add(visible[at]);
        else carrying[view].delete(visible[at]);
      }
      if (at < visible.length) setTimeout(batch, 0);
    })();
  }
  function explainOne(view, i, terms) {
    if (view === "table") {
      F.mark(rowFor(i), terms.filter(function (t) { return t.length > 1; }));
      return;
    }
    var tile = tileFor(i);
    F.explain(controller.engine, i, tile, terms, onTile(items[i]), function (why) {
      tile.insertBefore(why, tile.querySelector(".tile__foot"));
    });
  }

  function tileFor(i) {
    return tiles[items[i].slug];
  }

  function draw() {
    var sorted = last.sorted;
    if (last.state.settings.view === "table") {
      if (!table) buildTable();
      place(table.tBodies[0], rowFor, "table", sorted);
      syncTable(last.state);
    } else {
      place(grid, tileFor, "grid", sorted);
    }
    var rest = sorted.length - limit;
    F.setHidden(more, rest <= 0);
    F.setText(more, "Show " + Math.min(rest, PAGE) + " more (" + sorted.length + " in all)");
  }

  function render(matches, state, result, ctl) {
    controller = ctl;
    limit = PAGE;  // a new result starts at its top
    last = { sorted: order(result.matched, state), state: state };
    var view = state.settings.view;
    F.setHidden(noResults, matches.length > 0);
    F.setHidden(grid, view === "table");
    F.setHidden(tableView, view !== "table");
    // The table has the page's whole width, with the filters folded away above it.
    wrap.classList.toggle("wrap--wide", view === "table");
    controller.fold(view === "table");
    draw();
    viewRadios.forEach(function (r) { if (r.checked !== (r.value === view)) r.checked = r.value === view; });
    syncSortSelect(state.settings.sort);
    syncTakeaway(last.sorted);
  }

  more.addEventListener("click", function () {
    var first = limit;
    limit += PAGE;
    whole = true;
    draw();
    whole = false;
    // Focus the first new result's link, so keyboard users carry on where the list grew.
    var next = last.state.settings.view === "table" ? rowFor(last.sorted[first]) : tileFor(last.sorted[first]);
    if (next) next.querySelector("a").focus();
  });

  /** The select shows the sort in force; a table column sort gets its own option while it lasts. */
  function syncSortSelect(sort) {
    var key = sort.replace(/^-/, "");
    if (sortSelect.value === key && (!extraOption || extraOption.value === key)) return;
    if (extraOption) { extraOption.remove(); extraOption = null; }
    if (["number", "name", "matches"].indexOf(key) < 0) {
      var column = sorts[key];
      extraOption = el("option", { value: key, text: "Opportunity: " + column.label + " (table column)" });
      sortSelect.append(extraOption);
    }
    sortSelect.value = key;
  }

  // Take it away: the shown case studies as CSV, or their cards in the deck. ---------------
  var takeaway = document.getElementById("takeaway");
  var printLink = document.getElementById("print-cards-link");
  var printCount = document.getElementById("print-cards-count");
  var noCards = document.getElementById("no-cards");

  var cardsOf = Int32Array.from(items, function (cs) { return cs.cards.length; });
  function syncTakeaway(sorted) {
    var withCards = [];
    var cards = 0;
    for (var j = 0; j < sorted.length; j++) {
      if (cardsOf[sorted[j]]) {
        withCards.push(sorted[j]);
        cards += cardsOf[sorted[j]];
      }
    }
    F.setHidden(takeaway, sorted.length === 0);
    F.setHidden(printLink, cards === 0);
    F.setHidden(noCards, cards > 0);
    F.setText(printCount, " (" + F.plural(cards, ["card", "cards"]) + ")");
    // The link's address names every case study with a card (thousands, in a big bank): it is
    // written once the results are painted, or when the link is used, whichever comes first.
    printing = sorted.length === items.length ? [] : withCards;
    F.afterPaint(writePrintLink);
  }
  var printing = null;  // the case studies the print link is still to name
  function writePrintLink() {
    if (!printing) return;
    var query = printing.map(function (i) { return "case-study=" + encodeURIComponent(items[i].slug); }).join("&");
    printing = null;
    var href = root + "cards/index.html" + (query ? "?" + query : "");
    if (printLink.getAttribute("href") !== href) printLink.setAttribute("href", href);
  }
  ["click", "auxclick", "contextmenu", "dragstart"].forEach(function (use) { printLink.addEventListener(use, writePrintLink); });
  document.getElementById("download-csv").addEventListener("click", function () {
    window.HubCSV.save("case-studies.csv", last.sorted.map(function (i) { return items[i]; }), opportunities);
  });

  var controller = null;  // set by the first render
  document.getElementById("results-options").hidden = false;
  F.init({
    id: "cs",
    items: items,
    facets: facets,
    fields: fields,
    settings: {
      view: { values: ["grid", "table"], fallback: "grid" },
      sort: { values: sortValues, fallback: "number" },
      cells: { values: ["marks", "notes"], fallback: "marks" },
      column: { values: ["all"].concat(opportunities.map(function (o) { return o.key; })), fallback: "all" },
    },
    noun: ["case study", "case studies"],
    beforeChange: function () { if (!first && last) measure(); },  // (the first result is placed as FIRST says)
    render: render,
  });

  viewRadios.forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) controller.set("view", r.value); });
  });
  cellRadios.forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) controller.set("cells", r.value); });
  });
  columnSelect.addEventListener("change", function () { controller.set("column", columnSelect.value); });
  phone.addEventListener("change", function () { if (table) syncTable(controller.state()); });
  sortSelect.addEventListener("change", function () { controller.set("sort", sortSelect.value); });
  window.HubDatabase = controller;  // for the benchmark and the tests
})();
