/* The site's words, loaded when a page first needs them.
 *
 * index.js carries what the facets, tiles and Heatmap need on arrival; the words
 * themselves (summaries, spotlights, card text, the London ideas' text) are in
 * search.js, which sets window.HUB_SEARCH: {items: [{kind, id, url, title,
 * fields: [[key, label, plain text], ...]}]}. This script injects it once, the first
 * time a reader searches or takes a CSV, so a page does not carry every word before
 * anyone asks for it. A classic script (works over file://): it defines window.HubText.
 */
(function () {
  "use strict";

  var waiting = null;  // callbacks while search.js is on its way
  var byItem = null;   // "kind id" -> item

  /** Call back with window.HUB_SEARCH, loading search.js first if need be. */
  function load(callback) {
    if (window.HUB_SEARCH) {
      callback(window.HUB_SEARCH);
      return;
    }
    if (waiting) {
      waiting.push(callback);
      return;
    }
    waiting = [callback];
    var script = document.createElement("script");
    script.src = (document.body.getAttribute("data-root") || "") + "search.js";
    script.addEventListener("load", function () {
      var callbacks = waiting;
      waiting = null;
      callbacks.forEach(function (fn) { fn(window.HUB_SEARCH); });
    });
    script.addEventListener("error", function () {
      waiting = null;  // try again next time
      script.remove();
    });
    document.head.append(script);
  }

  /** The fields of one item ([[key, label, text], ...]); [] until search.js is loaded. */
  function fields(kind, id) {
    if (!window.HUB_SEARCH) return [];
    if (!byItem) {
      byItem = {};
      window.HUB_SEARCH.items.forEach(function (item) { byItem[item.kind + " " + item.id] = item; });
    }
    var item = byItem[kind + " " + id];
    return item ? item.fields : [];
  }

  /** One field's text ("" if the item has no such field). */
  function field(kind, id, key) {
    var found = fields(kind, id).filter(function (f) { return f[0] === key; })[0];
    return found ? found[2] : "";
  }

  window.HubText = {
    load: load,
    loaded: function () { return Boolean(window.HUB_SEARCH); },
    fields: fields,
    field: field,
  };
})();
