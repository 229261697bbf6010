/* The card deck: the database's facets (facets.js) over cards, a card taking the opportunities,
 * sector, place and country of its case study; a "case-study" facet, which the database's
 * "Print the cards of these case studies" fills in; "Print these cards" prints the deck as
 * filtered (the print stylesheet puts each shown card on its own A4 page).
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
  var study = F.studyFacets(tax, function (i) { return i.cs; });
  var facets = [
    Object.assign(study.opportunity, { modeLegend: "Cards of case studies with", open: false }),
    { key: "enabler", label: "Enablers", one: "Enabler", values: values(tax.enablers), open: true, get: function (i) { return i.card.enablers; } },
    { key: "benefit", label: "Benefit category", one: "Benefit", values: values(tax.benefits), open: true, get: function (i) { return i.card.benefits; } },
    study.sector,
    study.place,
    study.country,
    // Every case study is a value (so a link naming one without a card shows no card, not all);
    // the panel offers those with a card.
    { key: "case-study", label: "Case study", one: "Case study", groupChip: ["case study", "case studies"],
      values: index.case_studies.map(function (cs) { return { key: cs.slug, label: cs.title }; }),
      offer: function (v) { return items.some(function (i) { return i.cs.slug === v.key; }); },
      get: function (i) { return [i.cs.slug]; } },
  ];

  /** What search covers: every word on the card (search.js), and its case study's sector, place and country. */
  function fields(i) {
    var words = window.HubText ? window.HubText.fields("card", i.card.id) : [];
    if (!words.length) words = [["tagline", "Tagline", i.card.tagline], ["keywords", "Keywords", i.card.keywords.join(", ")]];
    return [["name", "Name", i.card.title]].concat(words, [
      ["sector", "Sector", i.cs.sectors.join(", ")],
      ["place", "Type of place", i.cs.type_of_place.join(", ")],
      ["country", "Country", i.cs.country || ""],
    ]);
  }
  var ON_CARD = ["name", "tagline", "overview", "spotlight", "keywords", "benefits", "enablers", "key_learning"];

  var deck = document.getElementById("results");
  var nodes = items.map(function (i) { return document.getElementById(i.card.id).closest(".card"); });
  var noResults = document.getElementById("no-results");
  var printButton = document.getElementById("print-cards");
  var shown = null;
  var marked = null;

  function render(matches, state, result, controller) {
    var signature = matches.join(",");
    if (signature !== shown) {
      shown = signature;
      F.reconcile(deck, matches.map(function (i) { return nodes[i]; }));
    }
    var terms = controller.terms();
    var words = terms.join(" ") + "|" + signature + "|" + (window.HubText && window.HubText.loaded());
    if (words !== marked) {
      marked = words;
      matches.forEach(function (i) {
        var header = nodes[i].querySelector(".card__header");
        F.explain(controller.engine, i, nodes[i], terms, ON_CARD, function (why) { header.after(why); });
      });
    }
    F.setHidden(noResults, matches.length > 0);
    F.setHidden(printButton, matches.length === 0);
    F.setText(printButton, matches.length === 1 ? "Print this card" : "Print these " + matches.length + " cards");
  }

  F.init({
    id: "cards",
    items: items,
    facets: facets,
    fields: fields,
    settings: {},
    noun: ["card", "cards"],
    render: render,
  });
  printButton.addEventListener("click", function () { window.print(); });
})();
