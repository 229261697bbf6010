/* The London ideas: filter by theme, enabler and Mayor's power, with the same facets as the database. */
(function () {
  "use strict";
  var index = window.HUB_INDEX;
  var F = window.HubFacets;
  if (!index || !F || !document.getElementById("filters")) return;

  var tax = index.taxonomies;
  var items = index.ideas;
  var values = F.values;
  var facets = [
    { key: "theme", label: "Theme", values: values(tax.themes), open: true, get: function (i) { return [i.theme]; } },
    { key: "enabler", label: "Enablers", values: values(tax.enablers), open: true, get: function (i) { return i.enablers; } },
    { key: "power", label: "Mayor's power", values: values(tax.powers), open: true, get: function (i) { return i.powers; } },
  ];
  var list = document.getElementById("results");
  var tiles = {};
  list.querySelectorAll("[data-slug]").forEach(function (t) { tiles[t.getAttribute("data-slug")] = t; });
  var noResults = document.getElementById("no-results");

  F.init({
    id: "ideas",
    items: items,
    facets: facets,
    text: function (i) { return i.title + " " + i.strapline; },
    settings: {},
    noun: ["idea", "ideas"],
    searchLabel: "Search the ideas",
    searchHint: "Names and straplines.",
    render: function (matches) {
      var fragment = document.createDocumentFragment();
      matches.forEach(function (i) { fragment.appendChild(tiles[items[i].slug]); });
      list.replaceChildren(fragment);
      noResults.hidden = matches.length > 0;
    },
  });
})();
