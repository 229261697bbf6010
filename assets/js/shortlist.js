/* The workshop shortlist: case studies a reader collects across pages.
 *
 * Kept in the browser (localStorage "hub-shortlist-v1", a list of slugs in the order they
 * were added). On every page this script shows the "Add to shortlist" toggles
 * (button[data-shortlist], aria-pressed) and the count in the header's "Shortlist (n)";
 * the shortlist page itself is shortlist-page.js. Loaded with defer from the header, so it
 * runs once the page is parsed.
 */
(function () {
  "use strict";

  var KEY = "hub-shortlist-v1";
  var memory = [];  // the list, when the browser will not store it
  var listeners = [];

  function read() {
    try {
      var stored = JSON.parse(localStorage.getItem(KEY) || "[]");
      if (Array.isArray(stored)) memory = stored.filter(function (s) { return typeof s === "string"; });
    } catch (e) {
      // no storage (or a damaged value): the list in memory stands
    }
    return memory.slice();
  }

  function write(list) {
    memory = list.slice();
    try {
      localStorage.setItem(KEY, JSON.stringify(memory));
    } catch (e) {
      // no storage: the list lasts as long as the page
    }
    sync();
  }

  function toggle(slug) {
    var list = read();
    var at = list.indexOf(slug);
    if (at >= 0) list.splice(at, 1);
    else list.push(slug);
    write(list);
  }

  /** Every toggle and count on the page, as the list now is. */
  function sync() {
    var list = read();
    document.querySelectorAll("button[data-shortlist]").forEach(function (button) {
      button.hidden = false;
      button.setAttribute("aria-pressed", String(list.indexOf(button.getAttribute("data-shortlist")) >= 0));
    });
    document.querySelectorAll("[data-shortlist-count]").forEach(function (count) {
      count.textContent = " (" + list.length + ")";
    });
    listeners.forEach(function (fn) { fn(list); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-shortlist]");
    if (button) toggle(button.getAttribute("data-shortlist"));
  });
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) sync();
  });

  sync();
  /** list(), set(list), toggle(slug), and onChange(fn): fn(list) after every change (shortlist-page.js). */
  window.HubShortlist = { list: read, set: write, toggle: toggle, onChange: function (fn) { listeners.push(fn); } };
})();
