"""Stage 2, validate: turn each SourceFile into its typed model, collecting every error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from . import models as m
from .errors import ContentError, did_you_mean, format_loc
from .load import SourceFile, Sources

M = TypeVar("M", bound=BaseModel)

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
    "date_parsing": "a date (YYYY-MM-DD)",
}


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


KINDS = ("matrix", "circles", "characteristics", "barriers", "enablers")


def fields_at(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """The field names allowed at `loc` inside `model` (for 'did you mean')."""
    current = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if field is None:
            return None
        current = inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f for f in current.model_fields if f not in ("slug", "body")]
    return None


def length_bounds(model: type[BaseModel], loc: tuple) -> tuple[int | None, int | None]:
    """The (min, max) length declared for the list field at `loc`."""
    names = [p for p in loc if not isinstance(p, int)]
    current, field = model, None
    for name in names:
        field = current.model_fields.get(name) if current else None
        if field is None:
            return None, None
        current = inner_model(field.annotation)
    bounds = {type(c).__name__: getattr(c, "min_length", getattr(c, "max_length", None)) for c in field.metadata}
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


def parse(source: SourceFile, model: type[M], extra: dict | None = None) -> tuple[M | None, list[ContentError]]:
    """Validate one source against a model; every problem comes back with its line."""
    data = source.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [source.error((), f"expected a mapping of keys to values, got {type(data).__name__}")]
    errors = []
    if extra and "slug" in extra and not is_slug(extra["slug"]):
        name = Path(source.path).name
        errors.append(ContentError(source.path, 1, f"file name {name!r}: expected lower-case letters, digits and hyphens, like 'community-shop.md'"))
        return None, errors
    reserved = [k for k in ("slug", "body") if k in data and extra and k in extra]
    for k in reserved:
        errors.append(source.error((k,), f"unknown key '{k}' (the {k} comes from the file, not the front matter)"))
    data = {k: v for k, v in data.items() if k not in reserved}
    try:
        return model.model_validate({**data, **(extra or {})}), errors
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc, message = explain(err, model)
            errors.append(source.error(loc, message))
        return None, errors


def parse_list(source: SourceFile, model: type[M]) -> tuple[list[tuple[M, tuple]], list[ContentError]]:
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


@dataclass(frozen=True)
class Parsed:
    """The validated models, each paired with the file it came from."""

    taxonomies: dict[str, list[tuple[object, tuple]]]
    case_studies: list[tuple[m.CaseStudy, SourceFile]]
    guide: list[tuple[m.GuideStep, SourceFile]]
    themes: list[tuple[m.Theme, SourceFile]]
    ideas: list[tuple[m.Idea, SourceFile]]
    pages: list[tuple[m.Page, SourceFile]]
    report: tuple[m.Report, SourceFile] | None
    references: list[tuple[m.Reference, tuple]]
    site: m.SiteInfo | None
    sources: Sources


TAXONOMY_MODELS = {
    "opportunities": m.Opportunity,
    "enablers": m.Enabler,
    "benefits": m.BenefitCategory,
    "powers": m.Power,
    "sectors": str,
    "types-of-place": str,
    "countries": str,
}


def validate(sources: Sources) -> tuple[Parsed, list[ContentError]]:
    """Validate every source. Returns what parsed and every error found."""
    errors: list[ContentError] = []

    def entries(files: list[SourceFile], model):
        out = []
        for source in files:
            item, errs = parse(source, model, {"slug": source.stem, "body": source.body})
            errors.extend(errs)
            if item is not None:
                out.append((item, source))
        return out

    taxonomies = {}
    for name, model in TAXONOMY_MODELS.items():
        source = sources.taxonomies.get(name)
        if source is None:
            taxonomies[name] = []
            continue
        items, errs = parse_list(source, model)
        errors.extend(errs)
        taxonomies[name] = items

    references = []
    if sources.references:
        references, errs = parse_list(sources.references, m.Reference)
        errors.extend(errs)

    site = None
    if sources.site:
        site, errs = parse(sources.site, m.SiteInfo)
        errors.extend(errs)

    report = None
    if sources.report:
        item, errs = parse(sources.report, m.Report, {"slug": "report", "body": sources.report.body})
        errors.extend(errs)
        report = (item, sources.report) if item else None

    parsed = Parsed(
        taxonomies=taxonomies,
        case_studies=entries(sources.case_studies, m.CaseStudy),
        guide=entries(sources.guide, m.GuideStep),
        themes=entries(sources.themes, m.Theme),
        ideas=entries(sources.ideas, m.Idea),
        pages=entries(sources.pages, m.Page),
        report=report,
        references=references,
        site=site,
        sources=sources,
    )
    return parsed, errors


def is_slug(stem: str) -> bool:
    import re

    return re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", stem) is not None
