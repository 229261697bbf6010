/* The shortlist page (shortlist/index.html): the case studies of the reader's shortlist
 * (shortlist.js keeps it), their cards to print, the CSV (csv.js), and the address in step
 * (shortlist/index.html?cs=timpson&cs=buffer) so that it can be shared; a shared address shows
 * that list with an offer to keep it. Deferred after index.js, csv.js and shortlist.js.
 */
(function () {
  "use strict";
  if (!window.HubShortlist) return;

  function byId(id) {
    return document.getElementById(id);
  }

  function plural(n, noun) {
    return n + " " + (n === 1 ? noun[0] : noun[1]);
  }

  function same(a, b) {
    return a.length === b.length && a.every(function (x, i) { return x === b[i]; });
  }

  var shortlist = window.HubShortlist;
  var read = shortlist.list;
  var write = shortlist.set;

  (function shortlistPage() {
    var section = byId("shortlist");
    var index = window.HUB_INDEX;
    if (!section || !index) return;
    byId("shortlist-needs-script").hidden = true;
    section.hidden = false;

    var bySlug = {};
    index.case_studies.forEach(function (cs) { bySlug[cs.slug] = cs; });
    /** Known slugs only, each once, in order. */
    function known(list) {
      return list.filter(function (s, i) { return bySlug[s] && list.indexOf(s) === i; });
    }
    var shared = known(new URLSearchParams(location.search).getAll("cs"));
    var sharing = shared.length > 0 && !same(shared, known(read()));

    var tiles = {};
    var tileBox = byId("shortlist-tiles");
    tileBox.querySelectorAll(".tile[data-slug]").forEach(function (t) { tiles[t.getAttribute("data-slug")] = t; });
    var cards = {};
    var cardBox = byId("shortlist-cards");
    cardBox.querySelectorAll(".shortlist-card").forEach(function (c) {
      var slug = c.getAttribute("data-slug");
      (cards[slug] = cards[slug] || []).push(c);
    });
    var count = byId("shortlist-count");
    var focusAfter = null;  // where focus goes when a tile leaves the list under it

    function shown() {
      return sharing ? shared : known(read());
    }

    function address(list) {
      return location.pathname + (list.length ? "?" + list.map(function (s) { return "cs=" + encodeURIComponent(s); }).join("&") : "");
    }

    function draw() {
      var list = shown();
      Object.keys(tiles).forEach(function (s) { tiles[s].hidden = list.indexOf(s) < 0; });
      list.forEach(function (s) { tileBox.append(tiles[s]); });
      var printed = 0;
      Object.keys(cards).forEach(function (s) { cards[s].forEach(function (c) { c.hidden = list.indexOf(s) < 0; }); });
      list.forEach(function (s) {
        (cards[s] || []).forEach(function (c) { cardBox.append(c); printed++; });
      });
      var noun = ["case study", "case studies"];
      count.textContent = sharing ? plural(list.length, noun) + " on this shared shortlist"
        : list.length ? plural(list.length, noun) + " on your shortlist" : "Your shortlist is empty";
      byId("shortlist-empty").hidden = list.length > 0;
      byId("shortlist-actions").hidden = list.length === 0;
      byId("shortlist-share").hidden = list.length === 0;
      byId("shortlist-print").hidden = printed === 0;
      byId("shortlist-print").textContent = printed === 1 ? "Print their card" : "Print their " + printed + " cards";
      byId("shortlist-no-cards").hidden = printed > 0;
      byId("shortlist-clear").hidden = sharing;
      byId("shortlist-page").classList.toggle("has-cards", printed > 0);
      byId("shortlist-shared").hidden = !sharing;
      if (sharing) {
        var own = known(read()).length;
        byId("shortlist-shared-text").textContent = "This link shares a shortlist of " + plural(list.length, noun) + ". " +
          (own ? "Yours, kept in this browser, has " + own + "; keeping this one replaces it." : "Keep it to add to it and come back to it.");
        byId("shortlist-merge").hidden = own === 0;
        byId("shortlist-own").hidden = own === 0;
      } else if (location.search !== address(list).slice(location.pathname.length)) {
        history.replaceState(null, "", address(list));  // the address is always the list's, to share
      }
      byId("shortlist-link").value = location.href.split(/[?#]/)[0] + address(list).slice(location.pathname.length);
      if (focusAfter) {
        var next = focusAfter();
        focusAfter = null;
        next.focus();
      }
    }

    // Removing a case study from your own list: focus moves to the next one (or the count).
    tileBox.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-shortlist]");
      if (!button || sharing || button.getAttribute("aria-pressed") !== "true") return;
      var tile = button.closest(".tile");
      var after = [];
      for (var t = tile.nextElementSibling; t; t = t.nextElementSibling) if (!t.hidden) after.push(t);
      for (t = tile.previousElementSibling; t; t = t.previousElementSibling) if (!t.hidden) after.push(t);
      focusAfter = function () { return after.length ? after[0].querySelector("button[data-shortlist]") : count; };
    });
    byId("shortlist-keep").addEventListener("click", function () {
      sharing = false;
      write(shared);
      count.focus();
    });
    byId("shortlist-merge").addEventListener("click", function () {
      var mine = known(read());
      sharing = false;
      write(mine.concat(shared.filter(function (s) { return mine.indexOf(s) < 0; })));
      count.focus();
    });
    byId("shortlist-clear").addEventListener("click", function () {
      write([]);
      count.focus();
    });
    byId("shortlist-print").addEventListener("click", function () { window.print(); });
    byId("shortlist-csv").addEventListener("click", function () {
      window.HubCSV.save("shortlist.csv", shown().map(function (s) { return bySlug[s]; }), index.taxonomies.opportunities);
    });
    byId("shortlist-link").addEventListener("focus", function (event) { event.target.select(); });
    shortlist.onChange(draw);
    draw();
  })();
})();
