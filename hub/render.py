"""Stage 4, render: every page of the site as text, keyed by output path. Writes nothing.

Every internal URL a template writes goes through `url()`, which makes it relative
to the page being rendered and names a file (`case-studies/timpson/index.html`), so
the site works from disk as well as from a server.
"""

from __future__ import annotations

import posixpath
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import jinja2

from . import models as m
from .config import Config
from .errors import BuildError, ContentError
from .link import Site
from .markdown import render_inline, render_markdown


@dataclass(frozen=True)
class PageSpec:
    """One page to render: where it goes, with which template, about which content."""

    path: str
    template: str
    source: str  # the content file it is made from, for error messages
    context: dict


def case_study_url(cs: m.CaseStudy) -> str:
    return f"case-studies/{cs.slug}/index.html"


def idea_url(idea: m.Idea) -> str:
    return f"london/ideas/{idea.slug}/index.html"


def theme_url(theme: m.Theme) -> str:
    return f"london/themes/{theme.slug}/index.html"


def step_url(step: m.GuideStep) -> str:
    return f"guide/{step.slug}/index.html"


def page_url(page: m.Page) -> str:
    return "index.html" if page.slug == "home" else f"{page.slug}/index.html"


def card_id(cs: m.CaseStudy, card: m.Card) -> str:
    return f"card-{cs.slug}-{cs.cards.index(card) + 1}"


def plan_pages(site: Site) -> list[PageSpec]:
    """Every HTML page of the site, in a stable order."""
    specs = []
    pages = list(site.pages)
    if "home" not in site.page:  # the home page exists even before anyone writes content/pages/home.md
        pages.insert(0, m.Page(slug="home", title=site.info.title, description=site.info.description))
    for page in pages:
        template = "home.html" if page.slug == "home" else "page.html"
        specs.append(PageSpec(page_url(page), template, f"content/pages/{page.slug}.md", {"page": page}))
    specs.append(PageSpec("case-studies/index.html", "case-studies.html", "content/case-studies/", {}))
    for cs in site.case_studies:
        before, after = site.neighbours(cs)
        specs.append(PageSpec(case_study_url(cs), "case-study.html", f"content/case-studies/{cs.slug}.md",
                              {"cs": cs, "previous": before, "next": after, "related": site.related(cs),
                               "citing": site.ideas_citing.get(cs.slug, [])}))
    specs.append(PageSpec("cards/index.html", "cards.html", "content/case-studies/", {}))
    specs.append(PageSpec("shortlist/index.html", "shortlist.html", "content/case-studies/", {}))
    if site.guide:
        specs.append(PageSpec("guide/index.html", "guide.html", "content/guide/", {}))
    for i, step in enumerate(site.guide):
        specs.append(PageSpec(step_url(step), "guide-step.html", f"content/guide/{step.slug}.md",
                              {"step": step,
                               "previous": site.guide[i - 1] if i else None,
                               "next": site.guide[i + 1] if i + 1 < len(site.guide) else None}))
    specs.append(PageSpec("heatmap/index.html", "heatmap.html", "content/taxonomies/opportunities.yaml", {}))
    if site.report:
        specs.append(PageSpec("london/index.html", "london.html", "content/london/report.md", {"report": site.report}))
    for theme in site.themes:
        specs.append(PageSpec(theme_url(theme), "london-theme.html", f"content/london/themes/{theme.slug}.md",
                              {"theme": theme, "ideas": site.ideas_by_theme.get(theme.slug, [])}))
    for idea in site.ideas:
        specs.append(PageSpec(idea_url(idea), "london-idea.html", f"content/london/ideas/{idea.slug}.md",
                              {"idea": idea, "theme": site.theme[idea.theme]}))
    if site.references:
        specs.append(PageSpec("london/references/index.html", "london-references.html", "content/london/references.yaml", {}))
    specs.append(PageSpec("404.html", "404.html", "templates/404.html", {}))
    return specs


def make_environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = render_markdown
    env.filters["inline"] = render_inline
    env.globals.update(
        case_study_url=case_study_url, idea_url=idea_url, theme_url=theme_url,
        step_url=step_url, page_url=page_url, url=_url,
        card_id=card_id,
    )
    return env


@jinja2.pass_context
def _url(context, target: str) -> str:
    """`target` (a path from the site root) made relative to the page being rendered."""
    if target.endswith("/") or target.startswith("/"):
        raise ValueError(f"url({target!r}): name a file relative to the site root, like 'guide/index.html'")
    fragment = ""
    if "#" in target:
        target, fragment = target.split("#", 1)
        fragment = "#" + fragment
    return _relative(target, posixpath.dirname(context["path"]) or ".") + fragment


@lru_cache(maxsize=65536)
def _relative(target: str, here: str) -> str:
    return posixpath.relpath(target, here)


def render_site(site: Site, config: Config) -> dict[str, str]:
    """Render every page; a template error names the template, its line and the content file."""
    env = make_environment(config.templates_dir)
    common = {"site": site, "config": config, "dev": config.dev}
    out: dict[str, str] = {}
    errors: list[ContentError] = []
    templates: dict[str, jinja2.Template] = {}
    for spec in plan_pages(site):
        if spec.path in out:
            errors.append(ContentError(spec.source, 1, f"two pages would be written to {spec.path}; rename one"))
            continue
        try:
            template = templates.get(spec.template) or env.get_template(spec.template)
            templates[spec.template] = template
            out[spec.path] = template.render(**common, **spec.context, path=spec.path)
        except jinja2.TemplateSyntaxError as exc:
            errors.append(ContentError(f"templates/{exc.name or spec.template}", exc.lineno or 1, f"template syntax error: {exc.message}"))
        except Exception as exc:  # noqa: BLE001 - reported with its location, never swallowed
            name, line = template_location(exc, spec.template)
            errors.append(ContentError(f"templates/{name}", line, f"{type(exc).__name__}: {exc} (while rendering {spec.source} into {spec.path})"))
    if errors:
        raise BuildError(errors)
    out.update(render_extras(site, config, env, sorted(out)))
    return out


def template_location(exc: BaseException, fallback: str) -> tuple[str, int]:
    """The innermost template frame of a rendering error."""
    found = (fallback, 1)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".html") or frame.filename.endswith(".xml"):
            found = (Path(frame.filename).name, frame.lineno or 1)
    return found


def render_extras(site: Site, config: Config, env: jinja2.Environment, html_paths: list[str]) -> dict[str, str]:
    """robots.txt always; sitemap.xml and the Atom feed only with a base URL (they need absolute URLs)."""
    out = {}
    robots = "User-agent: *\nAllow: /\n"
    if config.base_url:
        base = config.base_url.rstrip("/") + "/"
        robots += f"Sitemap: {base}sitemap.xml\n"
        pages = [p for p in html_paths if p != "404.html"]
        out["sitemap.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(f"  <url><loc>{xml_escape(base + p)}</loc></url>\n" for p in pages)
            + "</urlset>\n"
        )
        out["feed.xml"] = env.get_template("feed.xml").render(site=site, base=base, path="feed.xml")
    out["robots.txt"] = robots
    return out
