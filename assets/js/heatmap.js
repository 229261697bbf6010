/* The Relationships Heatmap: rate the ten opportunities, see the heatmap, read down the cool spots;
 * or combine several people's answers into a heatmap for a group.
 *
 * A classic script (works over file://). It reads window.HUB_INDEX, set by index.js, in one
 * place: readIndex().
 *
 * One person: the URL query (?planning=2&training=4, values 1-5) first, else localStorage
 * (hub-heatmap-v1). A person's answers also travel as a code: one digit per opportunity in
 * order, 0 for not rated ("2413531200").
 * A group: ?view=group&person=2413531200:Ann&person=..., the URL first, else localStorage
 * (hub-heatmap-group-v1).
 * Every change is saved and written back into the URL, so the address is always the
 * shareable one. Opening a link saves nothing until the reader changes something.
 * Nothing leaves the browser.
 */
(function () {
  "use strict";

  var STORE = "hub-heatmap-v1";
  var GROUP_STORE = "hub-heatmap-group-v1";
  var LEVELS = ["Not at all", "A little", "Partly", "Mostly", "Fully"];
  var SHOWN = 8;       // reading list entries shown before "Show all"
  var LABEL_MAX = 40;  // characters of a person's label

  /** Everything this page reads from the hub's index. */
  function readIndex() {
    var index = window.HUB_INDEX;
    if (!index) return null;
    return {
      opportunities: index.taxonomies.opportunities.slice().sort(function (a, b) { return a.number - b.number; }),
      // In collection order, as the index lists them.
      caseStudies: index.case_studies.map(function (cs) { return { title: cs.title, url: cs.url, notes: cs.notes || {} }; })
    };
  }

  var hub = readIndex();
  var page = document.getElementById("hm");
  var form = document.getElementById("hm-form");
  if (!hub || !page || !form) return;

  var opportunities = hub.opportunities;
  var root = page.getAttribute("data-root");
  var database = page.getAttribute("data-database");
  var status = document.getElementById("hm-status");

  function byId(id) { return document.getElementById(id); }

  /** The elements of one result: "hm" for one person's, "hg" for the group's. */
  function panel(p) {
    return {
      results: byId(p + "-results"), title: byId(p + "-results-title"), map: byId(p + "-map"),
      coolList: byId(p + "-cool-list"), coolNone: byId(p + "-cool-none"),
      database: byId(p + "-database"), databaseLink: byId(p + "-database-link"),
      reading: byId(p + "-reading"), readingCount: byId(p + "-reading-count"),
      readingOrder: byId(p + "-reading-order"), readingList: byId(p + "-reading-list"),
      showAll: byId(p + "-show-all"), shareUrl: byId(p + "-share-url"), stamp: byId(p + "-stamp")
    };
  }

  /* Answers, codes and storage ------------------------------------------------ */

  function count(ratings) { return Object.keys(ratings).length; }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

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

  /** The ratings in a query (?planning=2&training=4); the first valid value of each wins. */
  function fromParams(params) {
    var candidate = {};
    opportunities.forEach(function (o) {
      var valid = params.getAll(o.key).filter(function (v) { return /^[1-5]$/.test(v); });
      if (valid.length) candidate[o.key] = valid[0];
    });
    return clean(candidate);
  }

  function toCode(ratings) {
    return opportunities.map(function (o) { return ratings[o.key] || 0; }).join("");
  }

  /** Ratings from a code of one digit 0-5 per opportunity, or null. */
  function fromCode(code) {
    if (code.length !== opportunities.length || /[^0-5]/.test(code)) return null;
    var candidate = {};
    opportunities.forEach(function (o, i) { candidate[o.key] = code.charAt(i); });
    return clean(candidate);
  }

  function cleanLabel(text) { return String(text || "").replace(/\s+/g, " ").trim().slice(0, LABEL_MAX); }

  /** A person from "2413531200" or "2413531200:Label" (a `person` URL value), or null. */
  function fromPersonValue(value) {
    var match = /^([0-9]+)(?::([\s\S]*))?$/.exec(value);
    var ratings = match && fromCode(match[1]);
    return ratings && count(ratings) ? { ratings: ratings, label: cleanLabel(match[2]) } : null;
  }

  function personValue(person) {
    return toCode(person.ratings) + (person.label ? ":" + encodeURIComponent(person.label) : "");
  }

  /** What a reader pasted: a code, one person's link or a group's link. {people} or {error}. */
  function parseEntry(text) {
    var n = opportunities.length;
    var trimmed = text.trim();
    var digits = trimmed.replace(/[\s.-]/g, "");
    if (!trimmed) return { error: "Enter a code or a link." };
    if (/^[0-9]+$/.test(digits)) {
      var ratings = fromCode(digits);
      if (!ratings) return { error: "A code has " + n + " digits, each from 0 to 5: this one has " + plural(digits.length, "digit", "digits") + (/[6-9]/.test(digits) ? " and a digit above 5." : ".") };
      if (!count(ratings)) return { error: "Every digit of this code is 0: it has no answers." };
      return { people: [{ ratings: ratings, label: "" }] };
    }
    var start = trimmed.indexOf("?");
    if (start < 0) return { error: "Enter a code of " + n + " digits, or a link to a Heatmap result (it has a ? in it)." };
    var params = new URLSearchParams(trimmed.slice(start + 1).split("#")[0]);
    var people = params.getAll("person").map(fromPersonValue).filter(Boolean);
    if (people.length) return { people: people };
    var own = fromParams(params);
    if (count(own)) return { people: [{ ratings: own, label: "" }] };
    return { error: "This link has no Heatmap answers in it." };
  }

  function load(key) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function store(key, value) {
    try {
      if (value) window.localStorage.setItem(key, JSON.stringify(value));
      else window.localStorage.removeItem(key);
    } catch (e) { /* storage unavailable: the URL still holds the answers */ }
  }

  function fromStorage() {
    var saved = load(STORE);
    return saved && typeof saved === "object" ? clean(saved) : {};
  }

  function groupFromStorage() {
    var saved = load(GROUP_STORE);
    if (!Array.isArray(saved)) return [];
    return saved.map(function (p) { return p && typeof p.code === "string" ? fromPersonValue(p.code + ":" + (p.label || "")) : null; })
      .filter(Boolean);
  }

  function writeQuery(q) {
    history.replaceState(history.state, "", location.pathname + (q ? "?" + q : "") + location.hash);
  }

  /* The rules ---------------------------------------------------------------- */

  /**
   * Cool spots from scores in tenths ({key: 10..50}; a person's rating 2 is 20, a group's
   * average 2.3 is 23): 2.0 or lower; else the lowest (ties included), unless every one is 5.0.
   */
  function coolSpots(tenths) {
    var scored = opportunities.filter(function (o) { return tenths[o.key]; });
    var low = scored.filter(function (o) { return tenths[o.key] <= 20; });
    if (low.length || !scored.length) return low;
    var lowest = Math.min.apply(null, scored.map(function (o) { return tenths[o.key]; }));
    if (lowest === 50) return [];
    return scored.filter(function (o) { return tenths[o.key] === lowest; });
  }

  /** Each opportunity's answers across the group: how many, average in tenths (halves up), range. */
  function summarise(people) {
    return opportunities.map(function (o) {
      var values = people.map(function (p) { return p.ratings[o.key]; }).filter(Boolean);
      var n = values.length;
      if (!n) return { o: o, n: 0 };
      var sum = values.reduce(function (a, b) { return a + b; }, 0);
      var counts = [0, 0, 0, 0, 0];
      values.forEach(function (v) { counts[v - 1] += 1; });
      return {
        o: o, n: n, counts: counts,
        tenths: Math.floor((20 * sum + n) / (2 * n)),
        min: Math.min.apply(null, values), max: Math.max.apply(null, values)
      };
    });
  }

  /**
   * Case studies with a note under at least one cool spot, ranked by how many cool spots
   * they cover, then in collection order (the order of the index).
   */
  function readingList(cool) {
    var list = [];
    hub.caseStudies.forEach(function (cs, position) {
      var matches = cool.filter(function (o) { return cs.notes[o.key]; });
      if (matches.length) list.push({ cs: cs, matches: matches, position: position });
    });
    list.sort(function (a, b) { return b.matches.length - a.matches.length || a.position - b.position; });
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
  function decimal(tenths) { return Math.floor(tenths / 10) + "." + (tenths % 10); }

  /** cells: {key: {level: 1..5 or null, rating: text, spread: text, counts: [5] or null}} */
  function drawMap(view, cells, cool) {
    opportunities.forEach(function (o) {
      var cell = view.map.querySelector('.hm-cell[data-key="' + o.key + '"]');
      var data = cells[o.key];
      var isCool = cool.indexOf(o) !== -1;
      cell.className = "hm-cell hm-cell--" + (data.level || "none") + (isCool ? " hm-cell--cool" : "");
      cell.querySelector(".hm-cell__rating").textContent = data.rating;
      cell.querySelector(".hm-cell__cool").hidden = !isCool;
      var spread = cell.querySelector(".hm-cell__spread");
      if (spread) {
        spread.textContent = data.spread || "";
        spread.hidden = !data.spread;
      }
      var dots = cell.querySelector(".hm-dots");
      if (dots) drawDots(dots, data.counts);
    });
  }

  /** A small dot plot: one column per rating 1-5, one dot per person who gave it (decoration: the text says it). */
  function drawDots(container, counts) {
    container.textContent = "";
    container.hidden = !counts;
    if (!counts) return;
    counts.forEach(function (n, i) {
      var column = el("span", "hm-dots__col");
      var stack = el("span", "hm-dots__stack");
      for (var k = 0; k < n; k++) stack.appendChild(el("span", "hm-dot"));
      column.appendChild(stack);
      column.appendChild(el("span", "hm-dots__n", String(i + 1)));
      container.appendChild(column);
    });
  }

  function drawCool(view, cool, detail) {
    view.coolList.textContent = "";
    cool.forEach(function (o) {
      var item = el("li", "hm-cool__item");
      item.appendChild(el("span", "hm-cool__name", o.number + ". " + o.name));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", "hm-cool__rating", "(" + detail(o) + ")"));
      view.coolList.appendChild(item);
    });
    view.coolList.hidden = !cool.length;
    view.coolNone.hidden = cool.length > 0;
    view.database.hidden = !cool.length;
    view.databaseLink.href = database + (cool.length ? "?" + cool.map(function (o) {
      return "opportunity=" + encodeURIComponent(o.key);
    }).join("&") + "&sort=matches" : "");
  }

  /** How long the reading list is, and whether only its first entries are shown. */
  function countText(n, whose, capped) {
    if (!n) return "No case study has a note under " + whose + " cool spots yet.";
    return (n === 1 ? "1 case study has" : n + " case studies have") + " a note under at least one of " +
      whose + " cool spots." + (capped ? " The first " + SHOWN + " are shown." : "");
  }

  /** The ranked reading list, the first SHOWN entries until "Show all". whose: "your", "the group's". */
  function drawReading(view, cool, list, whose) {
    view.reading.hidden = !cool.length;
    view.readingList.textContent = "";
    view.showAll.hidden = true;
    view.whose = whose;
    if (!cool.length) return;
    var spots = plural(cool.length, "cool spot", "cool spots");
    view.readingCount.textContent = countText(list.length, whose, list.length > SHOWN);
    view.readingOrder.textContent = list.length > 1
      ? "Ranked by how many of " + whose + " cool spots each one covers, then in collection order."
      : "";
    view.readingOrder.hidden = list.length < 2;
    list.forEach(function (entry, i) {
      var item = el("li", "hm-read");
      item.hidden = i >= SHOWN;
      var heading = el("h3", "hm-read__title");
      var link = el("a", null, entry.cs.title);
      link.href = root + entry.cs.url;
      heading.appendChild(link);
      item.appendChild(heading);
      var covers = el("p", "hm-read__covers");
      covers.appendChild(el("span", "hm-read__covers-names",
        "Covers " + entry.matches.length + " of " + whose + " " + spots + ": " +
        entry.matches.map(function (o) { return o.name; }).join(", ")));
      covers.appendChild(el("span", "hm-read__covers-numbers",
        entry.matches.map(function (o) { return o.number; }).join(", ")));
      item.appendChild(covers);
      var notes = el("dl", "hm-read__notes");
      entry.matches.forEach(function (o) {
        notes.appendChild(el("dt", null, o.number + ". " + o.name));
        notes.appendChild(el("dd", null, entry.cs.notes[o.key]));
      });
      item.appendChild(notes);
      view.readingList.appendChild(item);
    });
    if (list.length > SHOWN) {
      view.showAll.textContent = "Show all " + list.length;
      view.showAll.hidden = false;
    }
  }

  function showAll(view) {
    var items = view.readingList.children;
    for (var i = 0; i < items.length; i++) items[i].hidden = false;
    view.showAll.hidden = true;
    view.readingCount.textContent = countText(items.length, view.whose, false);
    if (items[SHOWN]) items[SHOWN].querySelector("a").focus();
    announce("Showing all " + items.length + " case studies.");
  }

  /** The date and the address on the printed result: the reader's date, at print time. */
  function stamp(view) {
    var now = new Date();
    var time = view.stamp.querySelector("time");
    time.dateTime = now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" + String(now.getDate()).padStart(2, "0");
    time.textContent = now.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
    view.stamp.querySelector(".hm-stamp__url").textContent = location.href;
    view.shareUrl.textContent = location.href;
  }

  /** Cool spots, database link, reading list, link and stamp: what both views share. */
  function drawResult(view, cool, cells, detail, whose) {
    var list = readingList(cool);
    drawMap(view, cells, cool);
    drawCool(view, cool, detail);
    drawReading(view, cool, list, whose);
    // The link on screen; the printed stamp (date and link) is made just before printing:
    // the date's first formatting loads the browser's locale data, tens of milliseconds.
    view.shareUrl.textContent = location.href;
    return (cool.length ? plural(cool.length, "cool spot", "cool spots") + ", " +
      plural(list.length, "case study", "case studies") + " in the reading list." : "no cool spots.");
  }

  function announce(text) {
    // Clear first so that the same message twice is still announced.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function copyLink(view) {
    var url = location.href;
    var copied = navigator.clipboard && navigator.clipboard.writeText
      ? navigator.clipboard.writeText(url)
      : Promise.reject(new Error("no clipboard"));
    copied.then(function () {
      announce("Link copied.");
    }, function () {
      var range = document.createRange();
      range.selectNodeContents(view.shareUrl);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      announce("The link is selected: copy it with your browser's copy command.");
    });
  }

  function wire(view, prefix) {
    view.showAll.addEventListener("click", function () { showAll(view); });
    byId(prefix + "-copy").addEventListener("click", function () { copyLink(view); });
    byId(prefix + "-print").addEventListener("click", function () { window.print(); });
    window.addEventListener("beforeprint", function () { stamp(view); });
  }

  /* One person ------------------------------------------------------------------ */

  function startOne() {
    var view = panel("hm");
    var code = byId("hm-code");

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
        form.querySelector('input[name="' + o.key + '"][value="' + ratings[o.key] + '"]').checked = true;
      });
    }

    function query(ratings) {
      return opportunities
        .filter(function (o) { return ratings[o.key]; })
        .map(function (o) { return encodeURIComponent(o.key) + "=" + ratings[o.key]; })
        .join("&");
    }

    /** Draw everything from the ratings; returns a one-line summary for the status. */
    function draw(ratings) {
      var rated = count(ratings);
      view.results.hidden = rated === 0;
      var tenths = {};
      var cells = {};
      opportunities.forEach(function (o) {
        var value = ratings[o.key];
        if (value) tenths[o.key] = value * 10;
        cells[o.key] = { level: value, rating: value ? label(value) : "Not rated" };
      });
      code.textContent = toCode(ratings);
      var summary = drawResult(view, coolSpots(tenths), cells, function (o) { return label(ratings[o.key]); }, "your");
      return rated ? "Heatmap updated: " + rated + " of " + opportunities.length + " rated, " + summary : "";
    }

    function update() {
      var ratings = fromForm();
      store(STORE, count(ratings) ? ratings : null);
      writeQuery(query(ratings));
      announce(draw(ratings));
    }

    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
      if (!view.results.hidden) view.title.focus();
    });
    byId("hm-forget").addEventListener("click", function () {
      store(STORE, null);
      form.reset();
      writeQuery("");
      draw({});
      byId("hm-form-title").focus();
      announce("Your answers have been forgotten.");
    });
    wire(view, "hm");

    // The URL first, else what this browser remembers.
    var initial = fromParams(new URLSearchParams(location.search));
    if (!count(initial)) initial = fromStorage();
    toForm(initial);
    writeQuery(query(initial));
    draw(initial);
  }

  /* A group ---------------------------------------------------------------------- */

  function startGroup() {
    var view = panel("hg");
    var people = [];
    var addForm = byId("hg-add");
    var codeInput = byId("hg-code");
    var labelInput = byId("hg-label");
    var error = byId("hg-error");
    var list = byId("hg-people");
    var mine = fromStorage();

    function name(person, i) { return person.label || "Person " + (i + 1); }

    function query() {
      return ["view=group"].concat(people.map(function (p) { return "person=" + personValue(p); })).join("&");
    }

    function drawPeople() {
      list.textContent = "";
      people.forEach(function (person, i) {
        var item = el("li", "hm-person");
        item.appendChild(el("span", "hm-person__label", name(person, i)));
        item.appendChild(document.createTextNode(" "));
        item.appendChild(el("code", "hm-code", toCode(person.ratings)));
        item.appendChild(document.createTextNode(" "));
        var remove = el("button", "hm-button hm-button--quiet hm-person__remove", "Remove");
        remove.type = "button";
        remove.appendChild(el("span", "visually-hidden", " " + name(person, i)));
        remove.setAttribute("data-index", String(i));
        item.appendChild(remove);
        list.appendChild(item);
      });
      list.hidden = !people.length;
      byId("hg-people-count").textContent = people.length
        ? plural(people.length, "person", "people") + " in the group."
        : "No one has been added yet.";
      byId("hg-people-print").textContent = plural(people.length, "person", "people") + ": " +
        people.map(name).join(", ") + ".";
    }

    /** Draw the people and the group's result; returns a one-line summary for the status. */
    function draw() {
      drawPeople();
      view.results.hidden = !people.length;
      var summary = summarise(people);
      var tenths = {};
      var cells = {};
      summary.forEach(function (s) {
        if (!s.n) {
          cells[s.o.key] = { level: null, rating: "Not rated" };
          return;
        }
        tenths[s.o.key] = s.tenths;
        cells[s.o.key] = {
          level: Math.floor((s.tenths + 5) / 10),
          rating: "Average " + decimal(s.tenths),
          spread: "Range " + s.min + "–" + s.max + " · " + s.n + " of " + people.length + " rated",
          counts: s.counts
        };
      });
      var result = drawResult(view, coolSpots(tenths), cells, function (o) {
        var s = summary[opportunities.indexOf(o)];
        return "average " + decimal(s.tenths) + ", range " + s.min + "–" + s.max;
      }, "the group's");
      return people.length ? "Group heatmap updated: " + plural(people.length, "person", "people") + ", " + result : "";
    }

    function change(message) {
      store(GROUP_STORE, people.length ? people.map(function (p) { return { code: toCode(p.ratings), label: p.label }; }) : null);
      writeQuery(query());
      var summary = draw();
      announce(message + (summary ? " " + summary : ""));
    }

    function showError(text) {
      error.textContent = text;
      error.hidden = !text;
      if (text) codeInput.setAttribute("aria-invalid", "true");
      else codeInput.removeAttribute("aria-invalid");
    }

    addForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var entry = parseEntry(codeInput.value);
      if (entry.error) {
        showError(entry.error);
        codeInput.focus();
        announce(entry.error);
        return;
      }
      var added = entry.people;
      var typed = cleanLabel(labelInput.value);
      if (added.length === 1 && typed) added[0].label = typed;
      var first = people.length;
      people = people.concat(added);
      showError("");
      codeInput.value = "";
      labelInput.value = "";
      codeInput.focus();
      change(added.length === 1 ? name(added[0], first) + " added." : plural(added.length, "person", "people") + " added.");
    });

    list.addEventListener("click", function (event) {
      var button = event.target.closest(".hm-person__remove");
      if (!button) return;
      var i = Number(button.getAttribute("data-index"));
      var gone = name(people[i], i);
      people = people.slice(0, i).concat(people.slice(i + 1));
      change(gone + " removed.");
      // Keep the keyboard where it was: the next person's button, else the previous one's, else the box.
      var buttons = list.querySelectorAll(".hm-person__remove");
      var next = buttons[Math.min(i, buttons.length - 1)];
      (next || codeInput).focus();
    });

    byId("hg-clear").addEventListener("click", function () {
      people = [];
      change("Everyone has been removed from the group.");
      codeInput.focus();
    });

    if (count(mine)) {
      byId("hg-mine-wrap").hidden = false;
      byId("hg-mine").addEventListener("click", function () {
        codeInput.value = toCode(mine);
        showError("");
        labelInput.focus();
        announce("Your code is in the box. Add a label if you like, then add it to the group.");
      });
    }
    wire(view, "hg");

    // The URL first, else what this browser remembers.
    people = new URLSearchParams(location.search).getAll("person").map(fromPersonValue).filter(Boolean);
    if (!people.length) people = groupFromStorage();
    writeQuery(query());
    draw();
  }

  /* Start: the view the URL asks for. */
  var params = new URLSearchParams(location.search);
  var group = params.get("view") === "group" || params.has("person");
  byId("hm-one").hidden = group;
  byId("hm-group").hidden = !group;
  byId("hm-view-one").removeAttribute("aria-current");
  byId(group ? "hm-view-group" : "hm-view-one").setAttribute("aria-current", "page");
  if (group) startGroup();
  else startOne();
}());
