"""Stage 2, validate: each content file, on its own, into its typed model, with every problem at its line.

Everything about one file that can be known from that file and the taxonomies is
checked here: its shape and types (hub/schema.py), every value that must come from a
taxonomy, and every Markdown text (rendered once, here, with a time limit: raw HTML,
unsafe or outside links, images without alt text). The checks run on the raw data as
well as on the model, so a file whose shape is wrong still gets every other problem
reported in the same run. What needs other files (references, duplicates, links to
pages) is `link`'s.

`validate_file` is a pure function of one file and the taxonomies, so it can run in
worker processes, and its result can be cached by the file's digest.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from . import markdown, schema
from . import models as m
from .errors import ContentError, did_you_mean, format_loc
from .load import Entry, SourceFile, read_source, stem_of
from .urls import page_of
from .workers import fork_map, portions

ENTRY_MODELS = {
    "case-studies": m.CaseStudy,
    "guide": m.GuideStep,
    "themes": m.Theme,
    "ideas": m.Idea,
    "pages": m.Page,
    "report": m.Report,
}
LIST_MODELS = {
    "references": m.Reference,
    "taxonomy:opportunities": m.Opportunity,
    "taxonomy:enablers": m.Enabler,
    "taxonomy:benefits": m.BenefitCategory,
    "taxonomy:powers": m.Power,
    "taxonomy:sectors": str,
    "taxonomy:types-of-place": str,
    "taxonomy:countries": str,
}


# Shapes and types -----------------------------------------------------------------

def is_slug(stem: str) -> bool:
    return re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", stem) is not None


def parse_entry(source: SourceFile, model: type, slug: str) -> tuple[object, list[ContentError]]:
    """Validate one Markdown file's front matter against its model; every problem with its line."""
    data = source.data if source.data is not None else {}
    if not isinstance(data, dict):
        return None, [source.error((), f"expected a mapping of keys to values, got {type(data).__name__}")]
    errors = [source.error((k,), f"unknown key '{k}' (the {k} comes from the file, not the front matter)")
              for k in ("slug", "body") if k in data]
    data = {k: v for k, v in data.items() if k not in ("slug", "body")}
    made, problems = schema.check(model, {**data, "slug": slug, "body": source.body})
    return made, errors + [source.error(loc, message) for loc, message in problems]


def parse_single(source: SourceFile, model: type) -> tuple[object, list[ContentError]]:
    data = source.data if source.data is not None else {}
    if not isinstance(data, dict):
        return None, [source.error((), f"expected a mapping of keys to values, got {type(data).__name__}")]
    made, problems = schema.check(model, data)
    return made, [source.error(loc, message) for loc, message in problems]


def parse_list(source: SourceFile, model) -> tuple[list[tuple[object, tuple]], list[ContentError]]:
    """Validate a YAML list of items; returns (item, location) pairs."""
    if not isinstance(source.data, list):
        return [], [source.error((), "expected a YAML list (lines starting with '- ')")]
    items, errors = [], []
    for i, raw in enumerate(source.data):
        if model is str:
            if isinstance(raw, str) and raw.strip():
                items.append((raw.strip(), (i,)))
            else:
                errors.append(source.error((i,), f"[{i}]: {raw!r} is not a name; expected text"))
            continue
        if not isinstance(raw, dict):
            errors.append(source.error((i,), f"[{i}]: expected a mapping of keys to values"))
            continue
        problems: list = []
        made = schema.check_model(model, raw, (i,), problems)
        errors += [source.error(loc, message) for loc, message in problems]
        if made is not schema.INVALID:
            items.append((made, (i,)))
    return items, errors


# Taxonomy values ------------------------------------------------------------------

@dataclass(frozen=True)
class Vocabulary:
    """The closed lists a file's values must come from. None: that list failed to load, so it is not checked."""

    opportunities: frozenset | None = None
    enablers: frozenset | None = None
    enabler_aliases: dict | None = None
    benefits: frozenset | None = None
    powers: frozenset | None = None
    sectors: frozenset | None = None
    places: frozenset | None = None
    countries: frozenset | None = None
    themes: frozenset | None = None  # theme files' slugs


def values_at(data, *loc) -> list[tuple[tuple, object]]:
    """(location, value) for each value at loc; '*' steps into every list item, '**' yields a mapping's keys."""
    items = [((), data)]
    for part in loc:
        nxt = []
        for where, value in items:
            if part == "*" and isinstance(value, list):
                nxt += [(where + (i,), v) for i, v in enumerate(value)]
            elif part == "**" and isinstance(value, dict):
                nxt += [(where + (k,), k) for k in value]
            elif isinstance(value, dict) and part in value:
                nxt.append((where + (part,), value[part]))
        items = nxt
    return [(w, v) for w, v in items if isinstance(v, str)]


# kind -> [(vocabulary, what it is called, location pattern)]
TERMS = {
    "case-studies": [
        ("places", "type of place (see content/taxonomies/types-of-place.yaml)", ("type_of_place", "*")),
        ("sectors", "sector (see content/taxonomies/sectors.yaml)", ("sectors", "*")),
        ("opportunities", "opportunity", ("opportunities", "**")),
        ("benefits", "benefit category", ("cards", "*", "benefits", "*", "category")),
        ("enablers", "enabler", ("cards", "*", "enablers", "*", "enabler")),
    ],
    "ideas": [
        ("themes", "theme (see content/london/themes/)", ("theme",)),
        ("enablers", "enabler", ("enablers", "*")),
        ("powers", "Mayor's power", ("actions", "*", "power")),
    ],
}


def check_terms(source: SourceFile, vocab: Vocabulary) -> list[ContentError]:
    """Every value that must come from a taxonomy, checked on the raw data (so a broken shape hides nothing)."""
    errors = []
    checks = list(TERMS.get(source.kind, []))
    framework = source.data.get("framework") if isinstance(source.data, dict) else None
    if source.kind == "guide" and isinstance(framework, dict) and framework.get("kind") == "enablers":
        checks.append(("enablers", "enabler", ("framework", "enablers", "*")))
    for vocabulary, what, loc in checks:
        known = getattr(vocab, vocabulary)
        if known is None:
            continue
        for where, value in values_at(source.data, *loc):
            if value in known:
                continue
            alias = (vocab.enabler_aliases or {}).get(value.lower()) if vocabulary == "enablers" else None
            hint = f"; did you mean '{alias}'?" if alias else did_you_mean(value, known)
            errors.append(source.error(where, f"{format_loc(where)}: {value!r} is not a known {what}{hint}"))
    if source.kind == "case-studies" and vocab.countries is not None:
        for where, location in values_at(source.data, "location"):
            country = location.rsplit(",", 1)[-1].strip()
            if country not in vocab.countries:
                errors.append(source.error(where, f"location: country {country!r} is not a known country (the part "
                                                  "after the last comma; see content/taxonomies/countries.yaml)"
                                                  f"{did_you_mean(country, vocab.countries)}"))
    return errors


# Markdown texts -------------------------------------------------------------------

def markdown_texts(model, data):
    """(location, text) of every Markdown field in a file's raw data, found from its model (broken data too)."""
    if isinstance(model, tuple):  # a YAML list of items of one model
        for i, item in enumerate(data if isinstance(data, list) else []):
            yield from schema.model_markdown(model[1], item, (i,))
    else:
        yield from schema.model_markdown(model, data)


def model_for(kind: str):
    if kind in ENTRY_MODELS:
        return ENTRY_MODELS[kind]
    item = LIST_MODELS.get(kind)
    return ("list", item) if item not in (None, str) else None


def check_markdown(source: SourceFile, own_page: str) -> tuple[dict[str, str], list, list[ContentError]]:
    """Render every Markdown text of the file once (within the time limit); its HTML, links and problems."""
    html: dict[str, str] = {}
    links: list[tuple[str, str, int]] = []
    errors: list[ContentError] = []
    model = model_for(source.kind)
    texts = list(markdown_texts(model, source.data)) if model is not None else []
    if source.path.endswith(".md"):
        texts.append((None, source.body))
    seen: dict[tuple, int] = {}
    loc = None
    try:
        with markdown.time_limit():
            for loc, text in texts:
                found = markdown.inspect(text, own_page, source.path)
                if not found.plain:
                    html[text.strip()] = found.html
                for needle, message in found.problems:
                    errors.append(ContentError(source.path, line_of(source, loc, needle, seen), message))
                for target, written, what in found.links:
                    links.append((target, written, line_of(source, loc, written, seen), what))
    except markdown.TooSlow:
        errors.append(ContentError(source.path, source.body_line if loc is None else source.line(loc),
                                   f"Markdown took longer than {markdown.MAX_SECONDS:g} s to render (the limit per "
                                   "file); long runs of '[' or '*' are the usual cause"))
    except RecursionError:
        errors.append(ContentError(source.path, source.body_line if loc is None else source.line(loc),
                                   "Markdown nested too deeply to render (lists or quotes inside each other)"))
    return html, links, errors


def line_of(source: SourceFile, loc, needle: str, seen: dict) -> int:
    """The line of the next unreported occurrence of `needle` in the text at `loc` (None: the body)."""
    key = (loc, needle)
    occurrence = seen.get(key, 0)
    seen[key] = occurrence + 1
    return source.find_line(needle, loc, occurrence)


# One file, whole ------------------------------------------------------------------

@dataclass
class FileResult:
    """Everything validation learnt about one file; picklable, and a pure function of the file and the taxonomies."""

    path: str
    kind: str
    value: object = None  # the model; for YAML lists, [(item, location)]
    source: SourceFile | None = None  # without its text (lines and raw data stay, for later errors)
    errors: list[ContentError] = field(default_factory=list)
    links: list[tuple[str, str, int, str]] = field(default_factory=list)  # (target from the root, as written, line, 'link'/'image')
    html: dict[str, str] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return stem_of(self.path)

    @property
    def data(self) -> dict:
        data = self.source.data if self.source else None
        return data if isinstance(data, dict) else {}


def validate_file(entry: Entry, vocab: Vocabulary | None) -> FileResult:
    """Read, parse, type-check, taxonomy-check and Markdown-check one content file."""
    result = FileResult(entry.path, entry.kind)
    source, errors = read_source(entry)
    result.errors += errors
    if source is None:
        return result
    own_page = page_of(entry.kind, entry.stem) or "index.html"
    if source.broken:  # the YAML could not be read; the body still can
        result.html, result.links, errors = check_markdown(source, own_page)
        result.errors += errors
        return result
    if entry.kind in ENTRY_MODELS:
        if entry.kind != "report" and not is_slug(entry.stem):
            result.errors.append(ContentError(entry.path, 1, f"file name {entry.path.rsplit('/', 1)[-1]!r}: expected "
                                                              "lower-case letters, digits and hyphens, like 'community-shop.md'"))
            return result
        slug = "report" if entry.kind == "report" else entry.stem
        result.value, errors = parse_entry(source, ENTRY_MODELS[entry.kind], slug)
    elif entry.kind == "site":
        result.value, errors = parse_single(source, m.SiteInfo)
    else:
        result.value, errors = parse_list(source, LIST_MODELS[entry.kind])
    result.errors += errors
    if vocab is not None:
        result.errors += check_terms(source, vocab)
    result.html, result.links, errors = check_markdown(source, own_page)
    result.errors += errors
    source.text = ""  # not needed any more: keep results small for workers and caches
    if not result.errors and isinstance(source.data, dict):  # the model has it all; link needs only these
        source.data = {k: v for k, v in source.data.items() if k in CROSS_FILE}
        source.lines = {k: v for k, v in source.lines.items() if not k or k[0] in CROSS_FILE}
    result.source = source
    return result


CROSS_FILE = ("number", "step", "order", "theme", "case_studies")  # what `link` checks across files


def vocabulary(results: dict[str, FileResult], theme_stems: set[str]) -> Vocabulary:
    """The closed lists, from the taxonomy files that loaded (a broken one is None: not checked)."""

    def keys(kind: str, attr: str = "key"):
        r = results.get(kind)
        if r is None or r.value is None or r.errors:
            return None
        return frozenset(item if isinstance(item, str) else getattr(item, attr) for item, _ in r.value)

    enablers = results.get("taxonomy:enablers")
    aliases = None
    if enablers is not None and enablers.value and not enablers.errors:
        aliases = {a: e.key for e, _ in enablers.value for a in e.aliases}
    return Vocabulary(
        opportunities=keys("taxonomy:opportunities"),
        enablers=keys("taxonomy:enablers"),
        enabler_aliases=aliases,
        benefits=keys("taxonomy:benefits"),
        powers=keys("taxonomy:powers"),
        sectors=keys("taxonomy:sectors"),
        places=keys("taxonomy:types-of-place"),
        countries=keys("taxonomy:countries"),
        themes=frozenset(theme_stems),
    )


# Every file ---------------------------------------------------------------------

FIRST = ("site", "references")  # with the taxonomies: what other files are checked against


def validate_all(entries: list[Entry], workers: int = 0, cache: dict | None = None, meanwhile=None) -> list[FileResult]:
    """Validate every file: the taxonomies first (the others are checked against them), then the rest.

    With `cache` (a dict kept between builds, as `serve` does), a file whose bytes and
    taxonomies are unchanged is not read again: its earlier result is used. `meanwhile()` runs
    in this process while the workers validate, before it takes its share (without workers: first).
    """
    first, rest = [], []
    for e in entries:
        (first if e.kind.startswith("taxonomy:") or e.kind in FIRST else rest).append(e)
    results = validated(first, None, 0, cache)
    themes = {e.stem for e in entries if e.kind == "themes"}
    vocab = vocabulary({r.kind: r for r in results.values()}, themes)
    rest_results = validated(rest, vocab, workers, cache, meanwhile)
    results.update(rest_results)
    if cache is not None:
        for path in [p for p in cache if p not in results]:  # files that are gone
            del cache[path]
    return [results[e.path] for e in entries]


def validated(entries: list[Entry], vocab: Vocabulary | None, workers: int, cache: dict | None,
              meanwhile=None) -> dict[str, FileResult]:
    """Results for `entries`: from the cache where the file and the taxonomies are unchanged, else validated anew."""
    found, todo, states = from_cache(entries, vocab, cache) if cache is not None else ({}, entries, {})
    if workers and len(todo) > 1:
        for done in fork_map(lambda chunk: validate_chunk(chunk, vocab), by_size(todo, workers), workers,
                             meanwhile, here=True):
            found.update((r.path, r) for r in done)
    else:
        if meanwhile:
            meanwhile()
        found.update((e.path, validate_file(e, vocab)) for e in todo)
    if cache is not None:
        remember(todo, found, vocab, cache, states)
    return found


def by_size(entries: list[Entry], workers: int) -> list[list[Entry]]:
    """`entries` in chunks for `workers`, the biggest files first (a file's work grows with its size): the
    workers take the chunks as they are free, so the small ones at the end even out their loads. About
    32 chunks a worker: the real hub's two 30 KB documents (as long to check as twenty case studies)
    are then the first two chunks, one for each worker as they start."""
    sizes = {}
    for e in entries:
        try:
            sizes[e.path] = os.stat(e.file).st_size
        except OSError:
            sizes[e.path] = 0  # read_source reports it
    return portions(sorted(entries, key=lambda e: -sizes[e.path]), workers)  # stable: equal sizes keep their order


def validate_chunk(entries: list[Entry], vocab: Vocabulary) -> list[FileResult]:
    return [validate_file(e, vocab) for e in entries]


def stat_key(entry: Entry):
    try:
        st = os.stat(entry.file)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def from_cache(entries: list[Entry], vocab: Vocabulary, cache: dict):
    """Results of unchanged files (same path, same file state, same taxonomies), the files to validate,
    and the state of each file taken *before* it is read (a save during the build is then seen next time)."""
    found, todo, states = {}, [], {}
    for e in entries:
        hit = cache.get(e.path)
        key = states[e.path] = stat_key(e)
        if hit and key is not None and hit[0] == (key, vocab, e.file):
            found[e.path] = hit[1]
        else:
            todo.append(e)
    return found, todo, states


def remember(entries: list[Entry], results: dict[str, FileResult], vocab: Vocabulary | None, cache: dict,
             states: dict) -> None:
    for e in entries:
        key = states.get(e.path)
        if key is not None:
            cache[e.path] = ((key, vocab, e.file), results[e.path])


def changed_since(cache: dict) -> bool:
    """Has any file the cache holds changed (or gone) since it was read?"""
    for path, ((key, _, file), _) in list(cache.items()):
        try:
            st = os.stat(file)
        except OSError:
            return True
        if (st.st_mtime_ns, st.st_size, st.st_ino) != key:
            return True
    return False
