"""Stage 5, index: the JSON documents the browser filters and searches from, and their script twins.

`index.json` serves hosting and API use; `index.js` sets one global,
`window.HUB_INDEX`, because Chromium refuses fetch() of local files (file://).
It carries what the facets, tiles and Heatmap need on arrival. The words
themselves (summaries, card text, ideas' text) are in `search.json` / `search.js`
(`window.HUB_SEARCH`), which pages load only when a reader searches or takes a CSV.
"""

from __future__ import annotations

import json

from .link import Site
from .markdown import plain_text as plain
from .render import card_id, case_study_url, idea_url, step_url

SCHEMA_VERSION = 1


def build_index(site: Site) -> dict:
    """Every case study, card, idea and guide step with the fields filters and search need."""
    return {
        "version": SCHEMA_VERSION,
        "taxonomies": {
            "opportunities": [{"key": o.key, "name": o.name, "number": o.number, "short": o.short} for o in site.opportunities],
            "enablers": [{"key": e.key, "name": e.name} for e in site.enablers],
            "benefits": [{"key": b.key, "name": b.name} for b in site.benefits],
            "powers": [{"key": p.key, "name": p.name} for p in site.powers],
            "themes": [{"key": t.slug, "name": t.title} for t in site.themes],
            "sectors": [{"key": v, "name": v} for v in site.sectors],
            "types_of_place": [{"key": v, "name": v} for v in site.types_of_place],
            "countries": [{"key": v, "name": v} for v in site.countries],
        },
        "case_studies": [
            {
                "slug": cs.slug,
                "url": case_study_url(cs),
                "title": cs.title,
                "number": cs.number,
                "type_of_place": list(cs.type_of_place),
                "sectors": list(cs.sectors),
                "location": cs.location,
                "country": cs.country,
                "opportunities": [o.key for o in site.opportunities if o.key in cs.opportunities],
                "notes": {k: plain(v) for k, v in sorted(cs.opportunities.items())},
                "cards": [
                    {
                        "id": card_id(cs, card),
                        "title": card.title,
                        "tagline": plain(card.tagline),
                        "keywords": list(card.keywords),
                        "enablers": [e.enabler for e in card.enablers],
                        "benefits": [b.category for b in card.benefits],
                    }
                    for card in cs.cards
                ],
            }
            for cs in site.case_studies
        ],
        "ideas": [
            {
                "slug": idea.slug,
                "url": idea_url(idea),
                "title": idea.title,
                "strapline": idea.strapline,
                "theme": idea.theme,
                "enablers": list(idea.enablers),
                "powers": sorted({a.power for a in idea.actions}),
                "case_studies": list(idea.case_studies),
            }
            for idea in site.ideas
        ],
        "guide": [
            {"slug": s.slug, "url": step_url(s), "title": s.title, "step": s.step, "question": s.question}
            for s in site.guide
        ],
    }


def build_search_index(site: Site) -> dict:
    """Every word a reader can see of each case study, card and London idea, field by field.

    Each item is {kind, id, url, title, fields: [[key, label, plain text], ...]}; a field
    with no text is left out. (One function, so that the site-wide search can replace it whole.)
    """
    def item(kind: str, id_: str, url: str, title: str, fields: list[tuple[str, str, str]]) -> dict:
        return {"kind": kind, "id": id_, "url": url, "title": title,
                "fields": [[key, label, text] for key, label, text in fields if text]}

    def benefits(card) -> str:
        return " ".join(f"{site.benefit[b.category].name}: {plain(b.text)}" for b in card.benefits)

    def enablers(card) -> str:
        return " ".join(f"{site.enabler[e.enabler].name}: {plain(e.text)}" for e in card.enablers)

    def card_words(card) -> str:
        """Every word printed on a card, in the card's order."""
        return " ".join([card.title, plain(card.tagline), plain(card.overview), plain(card.spotlight),
                         ", ".join(card.keywords), benefits(card), enablers(card), plain(card.key_learning)])

    items = []
    for cs in site.case_studies:
        items.append(item("case-study", cs.slug, case_study_url(cs), cs.title, [
            ("name", "Name", cs.title),
            ("sector", "Sector", ", ".join(cs.sectors)),
            ("place", "Type of place", ", ".join(cs.type_of_place)),
            ("location", "Location", cs.location or ""),
            ("summary", "Summary", plain(cs.summary)),
            ("spotlight", "Relationships spotlight", plain(cs.spotlight)),
            *((f"opportunity:{o.key}", f"Opportunity: {o.name}", plain(cs.opportunities[o.key]))
              for o in site.opportunities if o.key in cs.opportunities),
            *((f"card:{card_id(cs, card)}", f"Card: {card.title}", card_words(card)) for card in cs.cards),
            ("keywords", "Keywords", ", ".join(k for card in cs.cards for k in card.keywords)),
        ]))
    for cs, card in site.cards:
        items.append(item("card", card_id(cs, card), f"cards/index.html#{card_id(cs, card)}", card.title, [
            ("tagline", "Tagline", plain(card.tagline)),
            ("overview", "Overview", plain(card.overview)),
            ("spotlight", "Relationship spotlight", plain(card.spotlight)),
            ("keywords", "Keywords", ", ".join(card.keywords)),
            ("benefits", "Top 3 benefits", benefits(card)),
            ("enablers", "Top 3 enablers", enablers(card)),
            ("key_learning", "Key learning", plain(card.key_learning)),
        ]))
    for idea in site.ideas:
        items.append(item("idea", idea.slug, idea_url(idea), idea.title, [
            ("strapline", "Strapline", idea.strapline),
            ("lead", "Lead", plain(idea.lead)),
            ("text", "Text", plain(idea.body)),
            *(("example", f"Example: {e.title}", plain(e.text)) for e in idea.examples),
            ("actions", "The London Mayor could",
             " ".join(f"{site.power[a.power].name}: {plain(a.text)}" for a in idea.actions)),
        ]))
    kinds = [{"key": "case-study", "name": "Case studies"}, {"key": "card", "name": "Case study cards"},
             {"key": "idea", "name": "London ideas"}]
    return {"version": SCHEMA_VERSION, "kinds": kinds, "items": items}


def index_files(site: Site) -> dict[str, str]:
    """Every index file of the site, keyed by output path."""
    return {**serialise(build_index(site), "index", "HUB_INDEX"),
            **serialise(build_search_index(site), "search", "HUB_SEARCH")}


def serialise(index: dict, name: str, global_name: str) -> dict[str, str]:
    """NAME.json and NAME.js (which sets window.GLOBAL), byte-identical for the same index."""
    text = json.dumps(index, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # </script> cannot occur inside a JSON string here, but escape '<' anyway for the script twin.
    script = f"window.{global_name} = " + text.replace("<", "\\u003c") + ";\n"
    return {f"{name}.json": text + "\n", f"{name}.js": script}
