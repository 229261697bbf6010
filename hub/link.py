"""Stage 3, link: check every value against its taxonomy and resolve every reference, in one place.

The result is a `Site`: the whole hub as typed models, sorted, with the derived
relations (ideas citing a case study, related case studies, previous/next).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from . import models as m
from .errors import ContentError, did_you_mean, format_loc
from .load import SourceFile
from .validate import Parsed

EXTERNAL_LINK = re.compile(r"\]\(\s*<?((?:https?:)?//[^)\s>]+)|href\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.I)


@dataclass(frozen=True)
class Site:
    """Everything the templates and the index see."""

    info: m.SiteInfo
    opportunities: list[m.Opportunity]
    enablers: list[m.Enabler]
    benefits: list[m.BenefitCategory]
    powers: list[m.Power]
    sectors: list[str]
    types_of_place: list[str]
    countries: list[str]
    case_studies: list[m.CaseStudy]
    guide: list[m.GuideStep]
    themes: list[m.Theme]
    ideas: list[m.Idea]
    pages: list[m.Page]
    report: m.Report | None
    references: list[m.Reference]
    ideas_citing: dict[str, list[m.Idea]] = field(default_factory=dict)

    @cached_property
    def opportunity(self) -> dict[str, m.Opportunity]:
        return {o.key: o for o in self.opportunities}

    @cached_property
    def enabler(self) -> dict[str, m.Enabler]:
        return {e.key: e for e in self.enablers}

    @cached_property
    def benefit(self) -> dict[str, m.BenefitCategory]:
        return {b.key: b for b in self.benefits}

    @cached_property
    def power(self) -> dict[str, m.Power]:
        return {p.key: p for p in self.powers}

    @cached_property
    def case_study(self) -> dict[str, m.CaseStudy]:
        return {c.slug: c for c in self.case_studies}

    @cached_property
    def theme(self) -> dict[str, m.Theme]:
        return {t.slug: t for t in self.themes}

    @cached_property
    def ideas_by_theme(self) -> dict[str, list[m.Idea]]:
        out = defaultdict(list)
        for idea in self.ideas:
            out[idea.theme].append(idea)
        return dict(out)

    @cached_property
    def cards(self) -> list[tuple[m.CaseStudy, m.Card]]:
        return [(cs, card) for cs in self.case_studies for card in cs.cards]

    @cached_property
    def enabler_uses(self) -> dict[str, dict[str, int]]:
        """Per enabler: how many case studies, cards and London ideas use it (the guide's step 5 links)."""
        uses = {e.key: {"case_studies": 0, "cards": 0, "ideas": 0} for e in self.enablers}
        for cs in self.case_studies:
            for key in {e.enabler for card in cs.cards for e in card.enablers}:
                uses[key]["case_studies"] += 1
        for _, card in self.cards:
            for key in {e.enabler for e in card.enablers}:
                uses[key]["cards"] += 1
        for idea in self.ideas:
            for key in set(idea.enablers):
                uses[key]["ideas"] += 1
        return uses

    @cached_property
    def page(self) -> dict[str, m.Page]:
        return {p.slug: p for p in self.pages}

    def neighbours(self, cs: m.CaseStudy) -> tuple[m.CaseStudy | None, m.CaseStudy | None]:
        i = self._position[cs.slug]
        before = self.case_studies[i - 1] if i > 0 else None
        after = self.case_studies[i + 1] if i + 1 < len(self.case_studies) else None
        return before, after

    @cached_property
    def _position(self) -> dict[str, int]:
        return {c.slug: i for i, c in enumerate(self.case_studies)}

    def related(self, cs: m.CaseStudy, limit: int = 4) -> list[m.CaseStudy]:
        """Case studies sharing most opportunities and enablers (ties in collection order).

        Exact, and near-linear: each feature has a bitset of the case studies that
        have it (bit i = position i); a bit-sliced counter adds up the bitsets of
        this case study's features, and each score level is read off lowest bit first.
        """
        everyone = (1 << len(self.case_studies)) - 1
        planes: list[int] = []  # planes[j] holds bit j of every case study's shared-feature count
        mine = features(cs)
        for feature in mine:
            carry = self._postings[feature]
            for j in range(len(planes)):
                planes[j], carry = planes[j] ^ carry, planes[j] & carry
                if not carry:
                    break
            if carry:
                planes.append(carry)
        others = everyone ^ (1 << self._position[cs.slug])
        found: list[int] = []
        for score in range(len(mine), 0, -1):
            if score >> len(planes):
                continue
            level = others
            for j, plane in enumerate(planes):
                level &= plane if (score >> j) & 1 else everyone ^ plane
            while level and len(found) < limit:
                lowest = level & -level
                found.append(lowest.bit_length() - 1)
                level ^= lowest
            if len(found) == limit:
                break
        return [self.case_studies[i] for i in found]

    @cached_property
    def _postings(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for i, c in enumerate(self.case_studies):
            for feature in features(c):
                out[feature] |= 1 << i
        return dict(out)


def features(cs: m.CaseStudy) -> set[str]:
    """The opportunities and enablers a case study has, as comparable tokens."""
    found = {f"o:{k}" for k in cs.opportunities}
    found |= {f"e:{e.enabler}" for card in cs.cards for e in card.enablers}
    return found


def case_study_order(cs: m.CaseStudy):
    """Collection order: numbered ones by number, then the rest by title."""
    return (cs.number is None, cs.number or 0, cs.title.lower(), cs.slug)


def link(parsed: Parsed, drafts: bool = False) -> tuple[Site | None, list[ContentError]]:
    """Check every taxonomy value and reference; build the Site."""
    errors: list[ContentError] = []
    src = parsed.sources.taxonomies

    def terms(name: str, attr: str = "key") -> dict[str, object]:
        """Index a taxonomy by key, reporting duplicates."""
        seen: dict[str, object] = {}
        for item, loc in parsed.taxonomies[name]:
            key = item if isinstance(item, str) else getattr(item, attr)
            if key in seen:
                errors.append(src[name].error(loc, f"duplicate {attr} {key!r}"))
            seen[key] = item
        return seen

    opportunities = terms("opportunities")
    enablers = terms("enablers")
    benefits = terms("benefits")
    powers = terms("powers")
    sectors = terms("sectors")
    types_of_place = terms("types-of-place")
    countries = terms("countries")
    numbers = Counter(o.number for o in opportunities.values())
    for item, loc in parsed.taxonomies["opportunities"]:
        if numbers[item.number] > 1:
            errors.append(src["opportunities"].error(loc + ("number",), f"duplicate number {item.number}"))

    aliases = {a: e.key for e in enablers.values() for a in e.aliases}

    def check(source: SourceFile, loc: tuple, value: str, known, what: str) -> None:
        if value not in known:
            hint = f"; did you mean '{aliases[value.lower()]}'?" if known is enablers and value.lower() in aliases else did_you_mean(value, known)
            errors.append(source.error(loc, f"{format_loc(loc)}: {value!r} is not a known {what}{hint}"))

    # Checks run on each file's raw data, so a file whose shape is wrong still gets
    # every value checked (all problems at once, not the first per file).
    def each(source: SourceFile, *loc):
        """(location, value) for each value at loc; '*' steps into every list item or mapping key."""
        items = [((), source.data)]
        for part in loc:
            nxt = []
            for where_, value in items:
                if part == "*" and isinstance(value, list):
                    nxt += [(where_ + (i,), v) for i, v in enumerate(value)]
                elif part == "**" and isinstance(value, dict):
                    nxt += [(where_ + (k,), k) for k in value]
                elif isinstance(value, dict) and part in value:
                    nxt.append((where_ + (part,), value[part]))
            items = nxt
        return [(w, v) for w, v in items if isinstance(v, str)]

    def check_all(source, known, what, *loc):
        for where_, value in each(source, *loc):
            check(source, where_, value, known, what)

    # Case studies --------------------------------------------------------
    case_studies = [(cs, s) for cs, s in parsed.case_studies if drafts or not cs.draft]
    seen_numbers: dict[int, str] = {}
    for s in parsed.sources.case_studies:
        data = s.data if isinstance(s.data, dict) else {}
        number = data.get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            if number in seen_numbers:
                errors.append(s.error(("number",), f"number: {number} is already used by {seen_numbers[number]}"))
            else:
                seen_numbers[number] = s.path
        check_all(s, types_of_place, "type of place (see content/taxonomies/types-of-place.yaml)", "type_of_place", "*")
        check_all(s, sectors, "sector (see content/taxonomies/sectors.yaml)", "sectors", "*")
        for where_, location in each(s, "location"):
            country = location.rsplit(",", 1)[-1].strip()
            if country not in countries:
                errors.append(s.error(where_, f"location: country {country!r} is not a known country (the part after the last comma; see content/taxonomies/countries.yaml){did_you_mean(country, countries)}"))
        check_all(s, opportunities, "opportunity", "opportunities", "**")
        check_all(s, benefits, "benefit category", "cards", "*", "benefits", "*", "category")
        check_all(s, enablers, "enabler", "cards", "*", "enablers", "*", "enabler")
    for cs, s in parsed.case_studies:
        errors.extend(external_links(s, cs))

    # Guide ---------------------------------------------------------------
    steps: dict[int, str] = {}
    for s in parsed.sources.guide:
        data = s.data if isinstance(s.data, dict) else {}
        step = data.get("step")
        if isinstance(step, int):
            if step in steps:
                errors.append(s.error(("step",), f"step: {step} is already used by {steps[step]}"))
            steps[step] = s.path
        if isinstance(data.get("framework"), dict) and data["framework"].get("kind") == "enablers":
            check_all(s, enablers, "enabler", "framework", "enablers", "*")
    for step, s in parsed.guide:
        errors.extend(external_links(s, step))

    # London --------------------------------------------------------------
    themes = {t.slug: t for t, _ in parsed.themes}
    theme_slugs = {s.stem for s in parsed.sources.themes}
    drafted = {cs.slug for cs, _ in parsed.case_studies if cs.draft and not drafts}
    files = {s.stem for s in parsed.sources.case_studies}
    citing: dict[str, list[m.Idea]] = defaultdict(list)
    orders: dict[tuple, str] = {}
    for s in parsed.sources.ideas:
        data = s.data if isinstance(s.data, dict) else {}
        check_all(s, theme_slugs, "theme (see content/london/themes/)", "theme")
        key = (data.get("theme"), data.get("order"))
        if isinstance(key[1], int):
            if key in orders:
                errors.append(s.error(("order",), f"order: {key[1]} is already used in theme {key[0]!r} by {orders[key]}"))
            orders[key] = s.path
        check_all(s, enablers, "enabler", "enablers", "*")
        check_all(s, powers, "Mayor's power", "actions", "*", "power")
        for where_, slug in each(s, "case_studies", "*"):
            if slug in drafted:
                errors.append(s.error(where_, f"{format_loc(where_)}: {slug!r} is a draft, so it is not published; remove the link or publish it"))
            else:
                check(s, where_, slug, files, "case study (see content/case-studies/)")
    for idea, s in parsed.ideas:
        for slug in idea.case_studies:
            citing[slug].append(idea)
        errors.extend(external_links(s, idea))
    for collection in (parsed.themes, parsed.pages):
        for entry, s in collection:
            errors.extend(external_links(s, entry))
    if parsed.report:
        errors.extend(external_links(parsed.report[1], parsed.report[0]))

    if errors or parsed.site is None:  # site.yaml missing or invalid is already an error
        return None, errors

    ideas = sorted((i for i, _ in parsed.ideas), key=lambda i: (themes[i.theme].order, i.order, i.slug))
    site = Site(
        info=parsed.site,
        opportunities=sorted(opportunities.values(), key=lambda o: o.number),
        enablers=list(enablers.values()),
        benefits=list(benefits.values()),
        powers=list(powers.values()),
        sectors=sorted(sectors),
        types_of_place=sorted(types_of_place),
        countries=sorted(countries),
        case_studies=sorted((cs for cs, _ in case_studies), key=case_study_order),
        guide=sorted((g for g, _ in parsed.guide), key=lambda g: g.step),
        themes=sorted(themes.values(), key=lambda t: (t.order, t.slug)),
        ideas=ideas,
        pages=sorted((p for p, _ in parsed.pages), key=lambda p: p.slug),
        report=parsed.report[0] if parsed.report else None,
        references=sorted((r for r, _ in parsed.references), key=lambda r: r.number),
        ideas_citing={k: sorted(v, key=ideas.index) for k, v in sorted(citing.items())},
    )
    return site, []


def external_links(source: SourceFile, entry) -> list[ContentError]:
    """Links out of the hub are refused: the site links only to its own pages."""
    found = []
    texts = [("body", entry.body)] + [(None, v) for v in strings(entry.model_dump(exclude={"body"}))]
    for where_, text in texts:
        for match in EXTERNAL_LINK.finditer(text or ""):
            url = match.group(1) or match.group(2)
            line = source.body_line_of(url) if where_ == "body" else source_line_of(source, url)
            found.append(ContentError(source.path, line, f"link to {url!r}: the hub links only to its own pages; write the address as plain text"))
    return found


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)


def source_line_of(source: SourceFile, needle: str) -> int:
    for offset, text in enumerate(source.text.splitlines()):
        if needle in text:
            return source.yaml_line + offset
    return source.yaml_line
