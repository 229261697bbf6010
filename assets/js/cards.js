/* The card deck: the same facets as the database (facets.js), over cards; "Print these cards"
 * prints the deck as filtered (the print stylesheet puts each shown card on its own A4 page).
 */
(function () {
  "use strict";
  var index = window.HUB_INDEX;
  var F = window.HubFacets;
  if (!index || !F || !document.getElementById("filters")) return;

  var tax = index.taxonomies;
  var items = [];
  index.case_studies.forEach(function (cs) {
    cs.cards.forEach(function (card) { items.push({ cs: cs, card: card }); });
  });
  var values = F.values;
  var facets = [
    { key: "enabler", label: "Enablers", values: values(tax.enablers), open: true, get: function (i) { return i.card.enablers; } },
    { key: "benefit", label: "Benefit category", values: values(tax.benefits), open: true, get: function (i) { return i.card.benefits; } },
    { key: "sector", label: "Sector", values: values(tax.sectors), get: function (i) { return i.cs.sectors; } },
    { key: "place", label: "Type of place", values: values(tax.types_of_place), get: function (i) { return i.cs.type_of_place; } },
    { key: "country", label: "Country", values: values(tax.countries), get: function (i) { return i.cs.country ? [i.cs.country] : []; } },
  ];

  var deck = document.getElementById("results");
  var nodes = items.map(function (i) { return document.getElementById(i.card.id).closest(".card"); });
  var noResults = document.getElementById("no-results");
  var printButton = document.getElementById("print-cards");
  var shown = null;

  function render(matches) {
    var signature = matches.join(",");
    if (signature !== shown) {
      shown = signature;
      var fragment = document.createDocumentFragment();
      matches.forEach(function (i) { fragment.appendChild(nodes[i]); });
      deck.replaceChildren(fragment);
    }
    noResults.hidden = matches.length > 0;
    printButton.hidden = matches.length === 0;
    printButton.textContent = matches.length === 1 ? "Print this card" : "Print these " + matches.length + " cards";
  }

  F.init({
    id: "cards",
    items: items,
    facets: facets,
    text: function (i) {
      return [i.card.title, i.card.tagline, i.card.keywords.join(" "), i.card.text, i.cs.title].join(" ");
    },
    settings: {},
    noun: ["card", "cards"],
    searchLabel: "Search the cards",
    searchHint: "Names, card text and keywords.",
    render: render,
  });
  printButton.addEventListener("click", function () { window.print(); });
})();
