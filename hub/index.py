"""Stage 5, index: the JSON documents the browser filters and searches from, and their script twins.

`index.json` serves hosting and API use; `index.js` sets one global,
`window.HUB_INDEX`, because Chromium refuses fetch() of local files (file://).
It carries what the facets, tiles and Heatmap need on arrival; the words themselves
(summaries, card text, ideas' text) are in `search.json` / `search.js`
(`window.HUB_SEARCH`), which finders load only when a reader searches or takes a CSV.
`search.json` and `search.js` (`window.HUB_SEARCH`) hold every word a reader can
search for, site-wide: one item per case study, card, London idea and theme, guide
step and page, each a list of [key, label, plain text] fields.
"""

from __future__ import annotations

import itertools
import json

from .link import Site
from .markdown import plain_text as plain
from .models import remembered
from .urls import card_id, case_study_url, idea_url, page_url, step_url, theme_url

SCHEMA_VERSION = 1


def build_index(site: Site) -> dict:
    """Every case study, card, idea and guide step with the fields filters and search need."""
    opportunities = shared(tuple(site.opportunities))
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
        "case_studies": (  # a generator: written item by item (write_json)
            memo_json("index", (cs, opportunities), lambda cs=cs: index_entry(site, cs))
            for cs in site.case_studies
        ),
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


INDEX_FILES = ("index.json", "index.js", "search.json", "search.js")


def index_files(site: Site) -> dict[str, str]:
    """Every index file of the site (INDEX_FILES) as text, keyed by output path (for tests and small uses)."""
    texts: dict[str, str] = {}
    write_index_files(site, lambda rel: Captured(lambda data: texts.__setitem__(rel, data.decode("utf-8"))))
    return texts


class Captured:
    """A binary file in memory that hands its bytes to `done` when closed (done None: bytes are dropped).

    Like every file `write_index_files` writes through, it hashes what it is given, and `close()`
    returns the SHA-1 (hex) of it."""

    def __init__(self, done):
        import hashlib

        self.parts: list[bytes] = []
        self.done = done
        self.hash = hashlib.sha1()

    def write(self, data: bytes) -> None:
        self.hash.update(data)
        if self.done:
            self.parts.append(data)

    def close(self) -> str:
        if self.done:
            self.done(b"".join(self.parts))
        self.parts = []
        return self.hash.hexdigest()


def write_index_files(site: Site, opener) -> dict[str, str]:
    """Write every index file through `opener(rel)`, item by item; {rel: digest} of each.

    `opener(rel)` gives a binary file whose close() returns a digest of what was written to it:
    its SHA-1 (hub.write.HashingFile, Captured: each byte hashed once, by the file that writes
    it), or, for a file serve holds in memory, a version that changes with its bytes (hub.serve.HeldFile).

    The bank's lists are streamed: one case study's entry is made, written and dropped at a
    time, so the index of 10 000 case studies never sits whole in memory.
    """
    digests = {}
    for stem, name, index in (("index", "HUB_INDEX", build_index(site)), ("search", "HUB_SEARCH", build_search_index(site))):
        digests.update(stream(index, stem, name, opener))
    forget_unused()
    return digests


def stream(index: dict, stem: str, global_name: str, opener) -> dict[str, str]:
    """<stem>.json and <stem>.js (which sets window.<global_name>): the same JSON, sorted keys, byte-identical
    for the same index. '<' is escaped in the script twin (a '</script>' can then never end it)."""
    json_file, js_file = opener(f"{stem}.json"), opener(f"{stem}.js")

    def put(chunk: str) -> None:
        data = chunk.encode("utf-8")
        json_file.write(data)
        js_file.write(chunk.replace("<", "\\u003c").encode("utf-8") if "<" in chunk else data)

    js_file.write(f"window.{global_name} = ".encode("utf-8"))
    write_json(index, put)
    json_file.write(b"\n")
    js_file.write(b";\n")
    return {f"{stem}.json": json_file.close(), f"{stem}.js": js_file.close()}


class Raw(str):
    """JSON already made: write_json puts it as it is."""


# (kind, ids of the objects an entry is made from) -> (those objects, the entry's JSON). Models are
# immutable, and `serve` keeps the model of every unchanged file, so an entry made from the very
# same objects is the same JSON: one edit re-makes one entry, not ten thousand. A fresh process
# starts empty; entries not used by a build are dropped after it.
_MEMO: dict[tuple, tuple[tuple, object]] = {}
_USED: set[tuple] = set()


def memo(kind: str, objects: tuple, make):
    key = (kind, *map(id, objects))
    _USED.add(key)
    return remembered(_MEMO, key, objects, make)


def memo_json(kind: str, objects: tuple, make) -> Raw:
    return memo(kind, objects, lambda: Raw(dumps(make())))


def shared(objects: tuple) -> tuple:
    """One tuple for the same objects (by identity) from build to build: the taxonomies an entry is made
    from, passed to memo_json as one object, are then checked once per build, not once per entry."""
    return memo("shared", objects, lambda: objects)


def forget_unused() -> None:
    for key in [k for k in _MEMO if k not in _USED]:
        del _MEMO[key]
    _USED.clear()


def dumps(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write_json(value, put) -> None:
    """json.dumps(value, sort_keys=True, compact) written piece by piece: a dict's keys in order, and each
    item of a list (or of a lazy iterable standing for one) written as soon as it is made."""
    if isinstance(value, dict):
        put("{")
        for i, key in enumerate(sorted(value)):
            put(("," if i else "") + dumps(key) + ":")
            write_json(value[key], put)
        put("}")
    elif isinstance(value, (list, tuple)) or hasattr(value, "__next__"):
        batch, size = ["["], 0
        for i, item in enumerate(value):
            text = item if isinstance(item, Raw) else dumps(item)
            batch.append("," + text if i else text)
            size += len(text)
            if size > 1 << 20:  # written in pieces of about a megabyte
                put("".join(batch))
                batch, size = [], 0
        batch.append("]")
        put("".join(batch))
    else:
        put(dumps(value))


# Site-wide search ----------------------------------------------------------------------

SEARCH_KINDS = [
    ("case-study", "Case studies"), ("card", "Case study cards"), ("idea", "London ideas"),
    ("theme", "London themes"), ("guide", "Guide"), ("page", "Pages"),
]


def index_entry(site: Site, cs) -> dict:
    """One case study's entry in index.json."""
    return {
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


def build_search_index(site: Site) -> dict:
    """Every searchable item of the site, kind by kind and in site order, with the words its page shows."""
    vocabulary = shared((*site.opportunities, *site.enablers, *site.benefits))  # what an entry names
    items = itertools.chain(  # lazy: written item by item (write_json)
        (memo_json("search", (cs, vocabulary), lambda cs=cs: case_study_item(site, cs))
         for cs in site.case_studies),
        (memo_json("card", (cs, card, vocabulary), lambda cs=cs, card=card: card_item(site, cs, card))
         for cs, card in site.cards),
        (idea_item(site, idea) for idea in site.ideas),
        (theme_item(theme) for theme in site.themes),
        (guide_item(site, step) for step in site.guide),
        page_items(site),
    )
    return {"version": SCHEMA_VERSION, "kinds": [{"key": k, "name": n} for k, n in SEARCH_KINDS], "items": items}


def search_item(kind: str, id_: str, url: str, title: str, fields: list[tuple[str, str, str]]) -> dict:
    """One result: its fields as [key, label, plain text], leaving out the empty ones."""
    return {"kind": kind, "id": id_, "url": url, "title": title,
            "fields": [[key, label, text] for key, label, text in fields if text]}


def case_study_item(site: Site, cs) -> dict:
    fields = [
        ("name", "Name", cs.title),
        ("sector", "Sector", ", ".join(cs.sectors)),
        ("place", "Type of place", ", ".join(cs.type_of_place)),
        ("location", "Location", cs.location or ""),
        ("source", "Source", plain(cs.source)),
        ("summary", "Summary", plain(cs.summary)),
        ("spotlight", "Relationships spotlight", plain(cs.spotlight)),
        *((f"opportunity:{o.key}", f"Opportunity: {o.name}", plain(cs.opportunities[o.key]))
          for o in site.opportunities if o.key in cs.opportunities),
        *((f"card:{card_id(cs, card)}", f"Card: {card.title}", card_words(site, card)) for card in cs.cards),
        ("keywords", "Keywords", ", ".join(k for card in cs.cards for k in card.keywords)),
        ("body", "Text", plain(cs.body)),
    ]
    return search_item("case-study", cs.slug, case_study_url(cs), cs.title, fields)


def card_item(site: Site, cs, card) -> dict:
    fields = [
        ("tagline", "Tagline", plain(card.tagline)),
        ("overview", "Overview", plain(card.overview)),
        ("spotlight", "Relationship spotlight", plain(card.spotlight)),
        ("keywords", "Keywords", ", ".join(card.keywords)),
        ("benefits", "Top 3 benefits", benefit_words(site, card)),
        ("enablers", "Top 3 enablers", enabler_words(site, card)),
        ("key_learning", "Key learning", plain(card.key_learning)),
    ]
    return search_item("card", card_id(cs, card), "cards/index.html#" + card_id(cs, card), card.title, fields)


def card_words(site: Site, card) -> str:
    """Every word printed on a card below its title, in the card's order."""
    return " ".join([plain(card.tagline), plain(card.overview), plain(card.spotlight), ", ".join(card.keywords),
                     benefit_words(site, card), enabler_words(site, card), plain(card.key_learning)])


def benefit_words(site: Site, card) -> str:
    return " ".join(f"{site.benefit[b.category].name}: {plain(b.text)}" for b in card.benefits)


def enabler_words(site: Site, card) -> str:
    return " ".join(f"{site.enabler[e.enabler].name}: {plain(e.text)}" for e in card.enablers)


def idea_item(site: Site, idea) -> dict:
    fields = [
        ("strapline", "Strapline", plain(idea.strapline)),
        ("lead", "Lead", plain(idea.lead)),
        ("text", "Text", plain(idea.body)),
        *(("example", f"Example: {ex.title}", plain(ex.text)) for ex in idea.examples),
        ("actions", "The London Mayor could", " ".join(f"{site.power[a.power].name}: {plain(a.text)}" for a in idea.actions)),
        ("enablers", "Enablers", ", ".join(site.enabler[key].name for key in idea.enablers)),
        ("case_studies", "Case studies in the bank", ", ".join(site.case_study[s].title for s in idea.case_studies)),
    ]
    return search_item("idea", idea.slug, idea_url(idea), idea.title, fields)


def theme_item(theme) -> dict:
    fields = [
        ("heading", "Heading", plain(theme.heading)),
        ("why", "Why", plain(theme.why)),
        ("what_we_mean", "What do we mean?", plain(theme.what_we_mean)),
        ("barriers", "Barriers", plain(theme.barriers)),
        ("enabling", "Enabling strong relationships", plain(theme.enabling)),
        ("text", "Text", plain(theme.body)),
    ]
    return search_item("theme", theme.slug, theme_url(theme), theme.title, fields)


def guide_item(site: Site, step) -> dict:
    fields = [
        ("question", "Ask the question", plain(step.question)),
        ("lead", "Lead", plain(step.lead)),
        ("framework", f"Framework: {step.framework.title}", framework_words(site, step.framework)),
        ("text", "Text", plain(step.body)),
    ]
    return search_item("guide", step.slug, step_url(step), f"Step {step.step}: {step.title}", fields)


def framework_words(site: Site, f) -> str:
    """The words a guide step's framework draws, in the order the page shows them."""
    parts = [plain(f.intro)]
    if f.kind == "matrix":
        parts += [*f.y_axis, *f.x_axis]
    elif f.kind == "circles":
        parts += [*f.circles, f.types_title, *f.types]
    elif f.kind == "characteristics":
        parts += [f"{p.weak} → {p.strong}" for p in f.pairs]
    elif f.kind == "barriers":
        parts += [f"{b.name}: {b.text}" for b in f.barriers]
    elif f.kind == "enablers":
        parts += [f"{site.enabler[k].name}: {plain(site.enabler[k].description)}" for k in f.enablers]
    return " ".join(p for p in parts if p)


def page_items(site: Site) -> list[dict]:
    """The pages of content/pages, then the London report, its appendix and references, which are pages of their own."""
    items = []
    for p in site.pages:
        sections = [(f"section:{s.key or i}", s.title or p.title, plain(s.text)) for i, s in enumerate(p.sections)]
        items.append(search_item("page", p.slug, page_url(p), p.title, [
            ("description", "Description", plain(p.description)), ("lead", "Lead", plain(p.lead)),
            ("text", "Text", plain(p.body)), *sections]))
    report = site.report
    if report:
        heading = report.headings
        commission = [plain(report.commission.intro), *(f"{n.title}: {plain(n.text)}" for n in report.commission.needs)]
        calls = [plain(report.calls_intro), *(f"{c.audience}: " + " ".join(plain(a) for a in c.actions) for c in report.calls_to_action)]
        parts = [(name, getattr(report, name)) for name in ("acknowledgments", "navigating", "opportunities", "paving_the_way",
                                                            "five_steps", "directions", "ideas_intro", "road_ahead",
                                                            "get_involved", "say_hello")]
        items.append(search_item("page", "london", "london/index.html", report.title, [
            ("byline", "Authors", f"{' and '.join(report.authors)}, {report.published}"),
            ("introduction", "Introduction", plain(report.body)),
            *((name, part.title, plain(part.text)) for name, part in parts if part is not None),
            ("commission", heading.commission if heading else "Commission", " ".join(commission)),
            ("calls", heading.calls_to_action if heading else "Calls to action", " ".join(calls)),
            ("reflections", heading.reflections if heading else "Reflections", plain(report.reflections)),
            ("moving_forwards", heading.moving_forwards if heading else "Moving forwards", plain(report.moving_forwards)),
        ]))
        if report.appendix is not None:
            items.append(search_item("page", "london-appendix-1", "london/appendix-1/index.html", report.appendix.title,
                                     [("text", report.appendix.title, plain(report.appendix.text))]))
    if site.references:
        title = site.report.headings.references if site.report and site.report.headings else "References"
        items.append(search_item("page", "london-references", "london/references/index.html", title,
                                 [("references", title, " ".join(plain(r.text) for r in site.references))]))
    return items
