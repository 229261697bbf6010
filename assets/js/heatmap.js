/* The Relationships Heatmap: rate the ten opportunities, see the heatmap, read down the cool spots.
 *
 * A classic script (works over file://). It reads window.HUB_INDEX, set by index.js.
 * State: the URL query (?planning=2&training=4, values 1-5) first, else localStorage;
 * every change is saved and written back into the URL, so the address is always the
 * shareable one. Nothing leaves the browser.
 */
(function () {
  "use strict";

  var STORE = "hub-heatmap-v1";
  var LEVELS = ["Not at all", "A little", "Partly", "Mostly", "Fully"];

  var index = window.HUB_INDEX;
  var form = document.getElementById("hm-form");
  var results = document.getElementById("hm-results");
  if (!index || !form || !results) return;

  var opportunities = index.taxonomies.opportunities.slice().sort(function (a, b) { return a.number - b.number; });
  var caseStudies = index.case_studies;
  var root = results.getAttribute("data-root");
  var database = results.getAttribute("data-database");
  var status = document.getElementById("hm-status");
  var els = {
    title: document.getElementById("hm-results-title"),
    formTitle: document.getElementById("hm-form-title"),
    coolList: document.getElementById("hm-cool-list"),
    coolNone: document.getElementById("hm-cool-none"),
    database: document.getElementById("hm-database"),
    databaseLink: document.getElementById("hm-database-link"),
    reading: document.getElementById("hm-reading"),
    readingCount: document.getElementById("hm-reading-count"),
    readingList: document.getElementById("hm-reading-list"),
    shareUrl: document.getElementById("hm-share-url")
  };

  /* State ------------------------------------------------------------------ */

  /** Valid ratings only: {key: 1..5} for known opportunity keys. */
  function clean(candidate) {
    var ratings = {};
    opportunities.forEach(function (o) {
      var value = candidate[o.key];
      if (typeof value === "number") value = String(value);
      if (typeof value === "string" && /^[1-5]$/.test(value)) ratings[o.key] = Number(value);
    });
    return ratings;
  }

  function fromQuery(search) {
    var params = new URLSearchParams(search);
    var candidate = {};
    opportunities.forEach(function (o) {
      var valid = params.getAll(o.key).filter(function (v) { return /^[1-5]$/.test(v); });
      if (valid.length) candidate[o.key] = valid[0];
    });
    return clean(candidate);
  }

  function fromStorage() {
    try {
      var raw = window.localStorage.getItem(STORE);
      var parsed = raw ? JSON.parse(raw) : null;
      return parsed && typeof parsed === "object" ? clean(parsed) : {};
    } catch (e) {
      return {};
    }
  }

  function save(ratings) {
    try {
      if (count(ratings)) window.localStorage.setItem(STORE, JSON.stringify(ratings));
      else window.localStorage.removeItem(STORE);
    } catch (e) { /* storage unavailable: the URL still holds the answers */ }
  }

  function fromForm() {
    var candidate = {};
    opportunities.forEach(function (o) {
      var checked = form.querySelector('input[name="' + o.key + '"]:checked');
      if (checked) candidate[o.key] = checked.value;
    });
    return clean(candidate);
  }

  function toForm(ratings) {
    form.reset();
    opportunities.forEach(function (o) {
      if (!ratings[o.key]) return;
      var input = form.querySelector('input[name="' + o.key + '"][value="' + ratings[o.key] + '"]');
      if (input) input.checked = true;
    });
  }

  function query(ratings) {
    return opportunities
      .filter(function (o) { return ratings[o.key]; })
      .map(function (o) { return encodeURIComponent(o.key) + "=" + ratings[o.key]; })
      .join("&");
  }

  function writeUrl(ratings) {
    var q = query(ratings);
    history.replaceState(history.state, "", location.pathname + (q ? "?" + q : "") + location.hash);
  }

  function count(ratings) { return Object.keys(ratings).length; }

  /* The rules ---------------------------------------------------------------- */

  /** Rated 1 or 2; else the lowest-rated (ties included), unless every rated one is 5. */
  function coolSpots(ratings) {
    var rated = opportunities.filter(function (o) { return ratings[o.key]; });
    var low = rated.filter(function (o) { return ratings[o.key] <= 2; });
    if (low.length) return low;
    if (!rated.length) return [];
    var lowest = Math.min.apply(null, rated.map(function (o) { return ratings[o.key]; }));
    if (lowest === 5) return [];
    return rated.filter(function (o) { return ratings[o.key] === lowest; });
  }

  /** Case studies with a note under at least one cool spot: most cool spots first, then number, then title. */
  function readingList(cool) {
    var list = [];
    caseStudies.forEach(function (cs) {
      var matches = cool.filter(function (o) { return cs.notes && cs.notes[o.key]; });
      if (matches.length) list.push({ cs: cs, matches: matches });
    });
    list.sort(function (a, b) {
      if (a.matches.length !== b.matches.length) return b.matches.length - a.matches.length;
      var an = a.cs.number == null ? Infinity : a.cs.number;
      var bn = b.cs.number == null ? Infinity : b.cs.number;
      if (an !== bn) return an - bn;
      return a.cs.title < b.cs.title ? -1 : a.cs.title > b.cs.title ? 1 : 0;
    });
    return list;
  }

  /* Drawing -------------------------------------------------------------------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function label(value) { return value + " · " + LEVELS[value - 1]; }

  function drawMap(ratings, cool) {
    opportunities.forEach(function (o) {
      var cell = results.querySelector('.hm-cell[data-key="' + o.key + '"]');
      if (!cell) return;
      var value = ratings[o.key];
      var isCool = cool.indexOf(o) !== -1;
      cell.className = "hm-cell hm-cell--" + (value || "none") + (isCool ? " hm-cell--cool" : "");
      cell.querySelector(".hm-cell__rating").textContent = value ? label(value) : "Not rated";
      cell.querySelector(".hm-cell__cool").hidden = !isCool;
    });
  }

  function drawCool(ratings, cool) {
    els.coolList.textContent = "";
    cool.forEach(function (o) {
      var item = el("li", "hm-cool__item");
      item.appendChild(el("span", "hm-cool__name", o.number + ". " + o.name));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", "hm-cool__rating", "(" + label(ratings[o.key]) + ")"));
      els.coolList.appendChild(item);
    });
    els.coolList.hidden = !cool.length;
    els.coolNone.hidden = cool.length > 0;
    els.database.hidden = !cool.length;
    els.databaseLink.href = database + (cool.length ? "?" + cool.map(function (o) {
      return "opportunity=" + encodeURIComponent(o.key);
    }).join("&") : "");
  }

  function drawReading(cool, list) {
    els.reading.hidden = !cool.length;
    els.readingList.textContent = "";
    if (!cool.length) return;
    els.readingCount.textContent = list.length
      ? (list.length === 1 ? "1 case study has" : list.length + " case studies have") +
        " a note under at least one of your cool spots, those covering the most cool spots first."
      : "No case study has a note under your cool spots yet.";
    list.forEach(function (entry) {
      var item = el("li", "hm-read");
      var heading = el("h3", "hm-read__title");
      var link = el("a", null, entry.cs.title);
      link.href = root + entry.cs.url;
      heading.appendChild(link);
      item.appendChild(heading);
      var covers = el("p", "hm-read__covers");
      var names = entry.matches.map(function (o) { return o.name; }).join(", ");
      covers.appendChild(el("span", "hm-read__covers-names",
        "Covers " + entry.matches.length + " of your " + cool.length + " cool spot" + (cool.length === 1 ? "" : "s") + ": " + names));
      covers.appendChild(el("span", "hm-read__covers-numbers",
        entry.matches.map(function (o) { return o.number; }).join(", ")));
      item.appendChild(covers);
      var notes = el("dl", "hm-read__notes");
      entry.matches.forEach(function (o) {
        notes.appendChild(el("dt", null, o.number + ". " + o.name));
        notes.appendChild(el("dd", null, entry.cs.notes[o.key]));
      });
      item.appendChild(notes);
      els.readingList.appendChild(item);
    });
  }

  /** Draw everything from the ratings; returns a one-line summary for the status. */
  function draw(ratings) {
    var rated = count(ratings);
    results.hidden = rated === 0;
    var cool = coolSpots(ratings);
    var list = readingList(cool);
    drawMap(ratings, cool);
    drawCool(ratings, cool);
    drawReading(cool, list);
    els.shareUrl.textContent = location.href;
    if (!rated) return "";
    return "Heatmap updated: " + rated + " of " + opportunities.length + " rated, " +
      (cool.length ? cool.length + " cool spot" + (cool.length === 1 ? "" : "s") + ", " +
        list.length + " case stud" + (list.length === 1 ? "y" : "ies") + " in the reading list."
        : "no cool spots.");
  }

  function announce(text) {
    // Clear first so that the same message twice is still announced.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  /* Events ---------------------------------------------------------------------- */

  function update() {
    var ratings = fromForm();
    save(ratings);
    writeUrl(ratings);
    announce(draw(ratings));
  }

  form.addEventListener("change", update);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    update();
    if (!results.hidden) els.title.focus();
  });

  document.getElementById("hm-copy").addEventListener("click", function () {
    var url = location.href;
    var copied = navigator.clipboard && navigator.clipboard.writeText
      ? navigator.clipboard.writeText(url)
      : Promise.reject(new Error("no clipboard"));
    copied.then(function () {
      announce("Link copied.");
    }, function () {
      var range = document.createRange();
      range.selectNodeContents(els.shareUrl);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      announce("The link is selected: copy it with your browser's copy command.");
    });
  });

  document.getElementById("hm-print").addEventListener("click", function () {
    window.print();
  });

  document.getElementById("hm-forget").addEventListener("click", function () {
    try { window.localStorage.removeItem(STORE); } catch (e) { /* nothing stored */ }
    form.reset();
    writeUrl({});
    draw({});
    els.formTitle.focus();
    announce("Your answers have been forgotten.");
  });

  /* Start: the URL first, else what this browser remembers. */
  var initial = fromQuery(location.search);
  if (!count(initial)) initial = fromStorage();
  toForm(initial);
  writeUrl(initial);
  draw(initial);
}());
