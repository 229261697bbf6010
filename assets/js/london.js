/* The London ideas: filter by theme, enabler and Mayor's power, with the same facets as the
 * database, and search every word of each idea (its text, examples and actions, from search.js).
 */
(function () {
  "use strict";
  var index = window.HUB_INDEX;
  var F = window.HubFacets;
  if (!index || !F || !document.getElementById("filters")) return;

  var tax = index.taxonomies;
  var items = index.ideas;
  var values = F.values;
  var facets = [
    { key: "theme", label: "Theme", one: "Theme", values: values(tax.themes), open: true, get: function (i) { return [i.theme]; } },
    { key: "enabler", label: "Enablers", one: "Enabler", values: values(tax.enablers), open: true, get: function (i) { return i.enablers; } },
    { key: "power", label: "Mayor's power", one: "Mayor's power", values: values(tax.powers), open: true, get: function (i) { return i.powers; } },
  ];
  function names(list, keys) {
    return list.filter(function (t) { return keys.indexOf(t.key) >= 0; }).map(function (t) { return t.name; }).join(", ");
  }
  /** What search covers: the idea's whole text (search.js), and the theme, enablers and powers its tile shows. */
  function fields(i) {
    var words = window.HubText ? window.HubText.fields("idea", i.slug) : [];
    if (!words.length) words = [["strapline", "Strapline", i.strapline]];
    // An example's title is in its label ("Example: Co-housing pioneers"): search it too.
    var titles = words.filter(function (f) { return f[0] === "example"; }).map(function (f) {
      return ["example-title", f[1], f[1].replace(/^[^:]*: /, "")];
    });
    return [["name", "Name", i.title]].concat(words, titles, [
      ["theme", "Theme", names(tax.themes, [i.theme])],
      ["enablers", "Enablers", names(tax.enablers, i.enablers)],
      ["powers", "Mayor's powers", names(tax.powers, i.powers)],
    ]);
  }
  var ON_TILE = ["name", "strapline", "theme", "enablers", "powers"];

  var list = document.getElementById("results");
  var tiles = {};
  list.querySelectorAll("[data-slug]").forEach(function (t) { tiles[t.getAttribute("data-slug")] = t; });
  var noResults = document.getElementById("no-results");

  F.init({
    id: "ideas",
    items: items,
    facets: facets,
    fields: fields,
    settings: {},
    noun: ["idea", "ideas"],
    render: function (matches, state, result, controller) {
      var terms = controller.terms();
      var shown = matches.map(function (i) {
        var tile = tiles[items[i].slug];
        F.explain(controller.engine, i, tile, terms, ON_TILE, function (why) { tile.append(why); });
        return tile;
      });
      F.reconcile(list, shown);
      F.setHidden(noResults, matches.length > 0);
    },
  });
})();
