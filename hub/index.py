"""Stage 5, index: the JSON document the browser filters from, and its script twin.

`index.json` serves hosting and API use; `index.js` sets one global,
`window.HUB_INDEX`, because Chromium refuses fetch() of local files (file://).
"""

from __future__ import annotations

import json

from .link import Site
from .markdown import plain_text as plain
from .urls import card_id, case_study_url, idea_url, step_url

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
                "summary": plain(cs.summary),
                "spotlight": plain(cs.spotlight),
                "cards": [
                    {
                        "id": card_id(cs, card),
                        "title": card.title,
                        "tagline": plain(card.tagline),
                        "keywords": list(card.keywords),
                        "enablers": [e.enabler for e in card.enablers],
                        "benefits": [b.category for b in card.benefits],
                        "text": card_text(card),
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


def card_text(card) -> str:
    """A card's words for search: everything printed on it but the title and tagline."""
    parts = [card.overview, card.spotlight, *(b.text for b in card.benefits), *(e.text for e in card.enablers), card.key_learning]
    return " ".join(plain(p) for p in parts)


INDEX_FILES = ("index.json", "index.js")


def index_files(site: Site) -> dict[str, str]:
    """Every index file of the site (INDEX_FILES), keyed by output path."""
    return serialise_index(build_index(site))


def serialise_index(index: dict) -> dict[str, str]:
    """index.json and index.js, byte-identical for the same index."""
    text = json.dumps(index, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # </script> cannot occur inside a JSON string here, but escape '<' anyway for the script twin.
    script = "window.HUB_INDEX = " + text.replace("<", "\\u003c") + ";\n"
    return {"index.json": text + "\n", "index.js": script}
