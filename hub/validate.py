"""Stage 2, validate: each content file, on its own, into its typed model, with every problem at its line.

Everything about one file that can be known from that file and the taxonomies is
checked here: its shape and types (pydantic), every value that must come from a
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
import typing
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError

from . import markdown
from . import models as m
from .errors import ContentError, did_you_mean, format_loc
from .load import Entry, SourceFile, read_source
from .urls import page_of

EXPECTED = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
}
KINDS = ("matrix", "circles", "characteristics", "barriers", "enablers")

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


# Pydantic errors in contributors' words ---------------------------------------------

def explain(error: dict, model: type[BaseModel]) -> tuple[tuple, str]:
    """Turn one pydantic error into (location, contributor-facing message)."""
    loc = tuple(p for p in error["loc"] if p != "[key]")
    # Tagged unions add the tag to the location: ('framework', 'matrix', 'x_axis').
    loc = tuple(p for i, p in enumerate(loc) if not (i and loc[i - 1] == "framework" and p in KINDS))
    where = format_loc(loc) or "front matter"
    kind, value = error["type"], error.get("input")
    shown = repr(value) if not isinstance(value, (dict, list)) else ("a mapping" if isinstance(value, dict) else "a list")
    if kind == "extra_forbidden":
        parent = fields_at(model, loc[:-1])
        hint = did_you_mean(loc[-1], parent) if parent else ""
        allowed = f" (expected one of: {', '.join(sorted(parent))})" if parent and not hint else ""
        return loc, f"{where}: unknown key '{loc[-1]}'{hint}{allowed}"
    if kind == "missing":
        return loc, f"{where}: missing (required)"
    if kind in EXPECTED:
        return loc, f"{where}: {shown} is not {EXPECTED[kind]}"
    if kind == "string_too_short":
        return loc, f"{where}: empty; expected text"
    if kind == "string_pattern_mismatch":
        return loc, f"{where}: {shown} is not a key; expected lower-case letters, digits and hyphens (like 'co-design')"
    if kind in ("too_short", "too_long"):
        lo, hi = length_bounds(model, loc)
        count = len(value) if hasattr(value, "__len__") else "?"
        want = f"exactly {lo}" if lo == hi else (f"at least {lo}" if kind == "too_short" else f"at most {hi}")
        return loc, f"{where}: has {count} item{'s' if count != 1 else ''}; expected {want}"
    if kind == "union_tag_invalid":
        return loc, f"{where}.kind: {error['ctx']['tag']!r} is not a framework kind; expected one of: {', '.join(KINDS)}{did_you_mean(error['ctx']['tag'], KINDS)}"
    if kind == "union_tag_not_found":
        return loc, f"{where}.kind: missing (required); expected one of: {', '.join(KINDS)}"
    if kind == "greater_than_equal":
        return loc, f"{where}: {shown} is too small; expected a number of at least {error['ctx']['ge']}"
    if kind == "value_error":
        return loc, f"{where}: {error['msg'].removeprefix('Value error, ')}"
    return loc, f"{where}: {error['msg']} (got {shown})"


def fields_at(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """The field names allowed at `loc` inside `model` (for 'did you mean')."""
    current = model
    for part in loc:
        if isinstance(part, int):
            continue
        field_ = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if field_ is None:
            return None
        current = inner_model(field_.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f for f in current.model_fields if f not in ("slug", "body")]
    return None


def length_bounds(model: type[BaseModel], loc: tuple) -> tuple[int | None, int | None]:
    """The (min, max) length declared for the list field at `loc`."""
    names = [p for p in loc if not isinstance(p, int)]
    current, field_ = model, None
    for name in names:
        field_ = current.model_fields.get(name) if current else None
        if field_ is None:
            return None, None
        current = inner_model(field_.annotation)
    bounds = {type(c).__name__: getattr(c, "min_length", getattr(c, "max_length", None)) for c in field_.metadata}
    return bounds.get("MinLen"), bounds.get("MaxLen")


def inner_model(annotation):
    """The BaseModel inside list[X], X | None, Annotated[...] (first one found)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = inner_model(arg)
        if found is not None:
            return found
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        return inner_model(origin)
    return None


def is_slug(stem: str) -> bool:
    return re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", stem) is not None


def parse_entry(source: SourceFile, model: type[BaseModel], slug: str) -> tuple[object, list[ContentError]]:
    """Validate one Markdown file's front matter against its model; every problem with its line."""
    data = source.data if source.data is not None else {}
    if not isinstance(data, dict):
        return None, [source.error((), f"expected a mapping of keys to values, got {type(data).__name__}")]
    errors = [source.error((k,), f"unknown key '{k}' (the {k} comes from the file, not the front matter)")
              for k in ("slug", "body") if k in data]
    data = {k: v for k, v in data.items() if k not in ("slug", "body")}
    try:
        return model.model_validate({**data, "slug": slug, "body": source.body}), errors
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc, message = explain(err, model)
            errors.append(source.error(loc, message))
        return None, errors


def parse_single(source: SourceFile, model: type[BaseModel]) -> tuple[object, list[ContentError]]:
    data = source.data if source.data is not None else {}
    if not isinstance(data, dict):
        return None, [source.error((), f"expected a mapping of keys to values, got {type(data).__name__}")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [source.error(*explain(err, model)) for err in exc.errors(include_url=False)]


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
        try:
            items.append((model.model_validate(raw), (i,)))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc, message = explain({**err, "loc": (i,) + tuple(err["loc"])}, model)
                errors.append(source.error(loc, message))
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

def markdown_texts(annotation, value, loc: tuple = (), metadata: tuple = ()):
    """(location, text) of every Markdown field in raw `value`, found by walking the model's annotations."""
    if m.MARKDOWN in metadata:
        if isinstance(value, str):
            yield loc, value
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(value, dict):
            for name, f in annotation.model_fields.items():
                if name in value:
                    yield from markdown_texts(f.annotation, value[name], loc + (name,), tuple(f.metadata))
        return
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        yield from markdown_texts(args[0], value, loc, tuple(args[1:]) + metadata)
    elif origin is list and isinstance(value, list) and args:
        for i, item in enumerate(value):
            yield from markdown_texts(args[0], item, loc + (i,))
    elif origin is dict and isinstance(value, dict) and len(args) == 2:
        for key, item in value.items():
            yield from markdown_texts(args[1], item, loc + (key,))
    elif args:  # a union: X | None, or a tagged union of frameworks
        seen = set()
        for arg in args:
            if isinstance(value, dict) and isinstance(arg, type) and issubclass(arg, BaseModel):
                tag = arg.model_fields.get("kind")
                if tag is not None and typing.get_args(tag.annotation) and value.get("kind") not in typing.get_args(tag.annotation):
                    continue
            for found in markdown_texts(arg, value, loc, metadata):
                if found[0] not in seen:
                    seen.add(found[0])
                    yield found


def model_for(kind: str):
    if kind in ENTRY_MODELS:
        return ENTRY_MODELS[kind]
    item = LIST_MODELS.get(kind)
    return list[item] if item not in (None, str) else None


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
                if not markdown.is_plain(text.strip()):
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
        return self.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]

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


def validate_all(entries: list[Entry], workers: int = 0, cache: dict | None = None) -> list[FileResult]:
    """Validate every file: the taxonomies first (the others are checked against them), then the rest.

    With `cache` (a dict kept between builds, as `serve` does), a file whose bytes and
    taxonomies are unchanged is not read again: its earlier result is used.
    """
    first = [e for e in entries if e.kind.startswith("taxonomy:") or e.kind in FIRST]
    rest = [e for e in entries if e not in first]
    results = validated(first, None, 0, cache)
    themes = {e.stem for e in entries if e.kind == "themes"}
    vocab = vocabulary({r.kind: r for r in results.values()}, themes)
    rest_results = validated(rest, vocab, workers, cache)
    results.update(rest_results)
    if cache is not None:
        for path in [p for p in cache if p not in results]:  # files that are gone
            del cache[path]
    return [results[e.path] for e in entries]


def validated(entries: list[Entry], vocab: Vocabulary | None, workers: int, cache: dict | None) -> dict[str, FileResult]:
    """Results for `entries`: from the cache where the file and the taxonomies are unchanged, else validated anew."""
    found, todo = from_cache(entries, vocab, cache) if cache is not None else ({}, entries)
    if workers and len(todo) > 1:
        import multiprocessing

        chunks = [todo[k::workers * 4] for k in range(workers * 4)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for done in pool.starmap(validate_chunk, [(chunk, vocab) for chunk in chunks if chunk]):
                found.update((r.path, r) for r in done)
    else:
        found.update((e.path, validate_file(e, vocab)) for e in todo)
    if cache is not None:
        remember(todo, found, vocab, cache)
    return found


def validate_chunk(entries: list[Entry], vocab: Vocabulary) -> list[FileResult]:
    return [validate_file(e, vocab) for e in entries]


def stat_key(entry: Entry):
    try:
        st = os.stat(entry.file)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def from_cache(entries: list[Entry], vocab: Vocabulary, cache: dict) -> tuple[dict[str, FileResult], list[Entry]]:
    """Results of unchanged files (same path, same file state, same taxonomies), and the files to validate."""
    found, todo = {}, []
    for e in entries:
        hit = cache.get(e.path)
        key = stat_key(e)
        if hit and key is not None and hit[0] == (key, vocab, e.file):
            found[e.path] = hit[1]
        else:
            todo.append(e)
    return found, todo


def remember(entries: list[Entry], results: dict[str, FileResult], vocab: Vocabulary | None, cache: dict) -> None:
    for e in entries:
        key = stat_key(e)
        if key is not None:
            cache[e.path] = ((key, vocab, e.file), results[e.path])
