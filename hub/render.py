"""Stage 4, render: every page of the site, streamed to a writer as it is made.

`plan_pages` lists the pages (where each goes, with which template, about which
content, and which content files it depends on). `render_pages` renders them, in
worker processes when there are many, and hands each page to the writer; it keeps
nothing but each page's digest.

Every internal URL a template writes goes through `url()`, which makes it relative to
the page being rendered and names a file (`case-studies/timpson/index.html`), so the
site works from disk as well as from a server; `url()` also refuses a target that is
not a file of the site. A page of one case study, idea, theme, guide step or page sees
only the site's skeleton (`SiteView`: taxonomies, site info, the list of pages and
steps), never the whole bank: that keeps its work bounded at any size, and lets a
rebuild skip every page whose content files did not change.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
import shutil
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import jinja2.ext
from markupsafe import Markup

from . import models as m
from .config import Config
from .errors import ContentError
from .link import Site
from .markdown import for_page, html_of, unwrap
from .urls import card_id, case_study_url, idea_url, page_url, prefix, step_url, theme_url
from .workers import fork_map, portions


@dataclass(frozen=True)
class PageSpec:
    """One page to render: where it goes, with which template, about which content."""

    path: str
    template: str
    source: str  # the content file (or template) it is made from, for error messages
    context: dict = field(default_factory=dict)
    deps: tuple[str, ...] | None = None  # content files its words come from; None: the whole site
    shown: tuple[str, ...] = ()  # context entries of which it shows only the face (models: FACE)

    def shows(self) -> list:
        """The case studies and ideas of which this page shows only the face (a tile, a title, a link)."""
        items = []
        for name in self.shown:
            value = self.context.get(name)
            if isinstance(value, list):
                items += value
            elif value is not None:
                items.append(value)
        return items


def content_file(kind: str, slug: str) -> str:
    folder = {"case-studies": "case-studies", "ideas": "london/ideas", "themes": "london/themes",
              "guide": "guide", "pages": "pages"}[kind]
    return f"content/{folder}/{slug}.md"


def plan_pages(site: Site) -> list[PageSpec]:
    """Every HTML page of the site, in a stable order."""
    specs = []
    pages = list(site.pages)
    if "home" not in site.page:  # the home page exists even before anyone writes content/pages/home.md
        pages.insert(0, m.Page(slug="home", title=site.info.title, description=site.info.description))
    for page in pages:
        if page.slug == "home":
            specs.append(PageSpec(page_url(page), "home.html", "content/pages/home.md", {"page": page}))
        else:
            specs.append(PageSpec(page_url(page), "page.html", content_file("pages", page.slug), {"page": page},
                                  deps=(content_file("pages", page.slug),)))
    specs.append(PageSpec("case-studies/index.html", "case-studies.html", "content/case-studies/"))
    for cs in site.case_studies:
        before, after = site.neighbours(cs)
        related = site.related(cs)
        citing = site.ideas_citing.get(cs.slug, [])
        specs.append(PageSpec(case_study_url(cs), "case-study.html", content_file("case-studies", cs.slug),
                              {"cs": cs, "previous": before, "next": after, "related": related, "citing": citing},
                              deps=(content_file("case-studies", cs.slug),),
                              shown=("previous", "next", "related", "citing")))
    specs.append(PageSpec("cards/index.html", "cards.html", "content/case-studies/"))
    specs.append(PageSpec("shortlist/index.html", "shortlist.html", "content/case-studies/"))
    if site.guide:
        specs.append(PageSpec("guide/index.html", "guide.html", "content/guide/", deps=()))
    for i, step in enumerate(site.guide):
        # Step 5 counts the case studies, cards and ideas that use each enabler: it sees the whole site.
        whole = step.framework.kind == "enablers"
        specs.append(PageSpec(step_url(step), "guide-step.html", content_file("guide", step.slug),
                              {"step": step,
                               "previous": site.guide[i - 1] if i else None,
                               "next": site.guide[i + 1] if i + 1 < len(site.guide) else None},
                              deps=None if whole else ()))
    specs.append(PageSpec("heatmap/index.html", "heatmap.html", "content/taxonomies/", deps=()))
    if site.report:
        specs.append(PageSpec("london/index.html", "london.html", "content/london/report.md", {"report": site.report}))
    for theme in site.themes:
        ideas = site.ideas_by_theme.get(theme.slug, [])
        specs.append(PageSpec(theme_url(theme), "london-theme.html", content_file("themes", theme.slug),
                              {"theme": theme, "ideas": ideas},
                              deps=(content_file("themes", theme.slug),), shown=("ideas",)))
    for idea in site.ideas:
        cited = [site.case_study[c] for c in idea.case_studies if c in site.case_study]
        specs.append(PageSpec(idea_url(idea), "london-idea.html", content_file("ideas", idea.slug),
                              {"idea": idea, "theme": site.theme[idea.theme], "cited": cited},
                              deps=(content_file("ideas", idea.slug), content_file("themes", idea.theme)),
                              shown=("cited",)))
    if site.report and site.report.appendix:
        specs.append(PageSpec("london/appendix-1/index.html", "london-appendix.html", "content/london/report.md", {"report": site.report}))
    if site.references:
        specs.append(PageSpec("london/references/index.html", "london-references.html", "content/london/references.yaml", deps=()))
    specs.append(PageSpec("search/index.html", "search.html", "search.js", deps=()))
    specs.append(PageSpec("404.html", "404.html", "templates/404.html", deps=()))
    return specs


def collisions(specs: list[PageSpec]) -> list[ContentError]:
    """Two pages that would be written to one path: each named, at its own file."""
    by_path: dict[str, list[PageSpec]] = {}
    for spec in specs:
        by_path.setdefault(spec.path, []).append(spec)
    errors = []

    def named(spec: PageSpec) -> str:
        return spec.source if is_content(spec) else f"the page made by templates/{spec.template}"

    for path, same in by_path.items():
        if len(same) < 2:
            continue
        blamed = [s for s in same if is_content(s)] or same  # a contributor's file, not the hub's own page
        for spec in blamed:
            others = ", ".join(named(o) for o in same if o is not spec)
            where = spec.source if is_content(spec) else f"templates/{spec.template}"
            errors.append(ContentError(where, 1, f"this page would be written to {path}, where {others} also goes; "
                                                 "rename the file"))
    return errors


def is_content(spec: PageSpec) -> bool:
    return spec.source.endswith((".md", ".yaml"))


# The skeleton a single page sees --------------------------------------------------

class SiteView:
    """The parts of the Site that every page may show: never the bank itself (see the module's docstring)."""

    SHOWN = ("info", "opportunities", "enablers", "benefits", "powers", "sectors", "types_of_place", "countries",
             "guide", "themes", "pages", "report", "references",
             "opportunity", "enabler", "benefit", "power", "page", "theme")

    def __init__(self, site: Site):
        for name in self.SHOWN:
            setattr(self, name, getattr(site, name))


# Templates ------------------------------------------------------------------------

@jinja2.pass_context
def _md(context, text) -> Markup:
    return Markup(for_page(html_of(text or ""), context["path"]))


@jinja2.pass_context
def _inline(context, text) -> Markup:
    return Markup(for_page(unwrap(html_of(text or "")), context["path"]))


class MissingTarget(Exception):
    pass


@jinja2.pass_context
def _url(context, target: str) -> str:
    """`target` (a path from the site root) made relative to the page being rendered."""
    path, _, fragment = target.partition("#")
    file_path = path.partition("?")[0]
    if file_path.endswith("/") or file_path.startswith("/") or not file_path:
        raise ValueError(f"url({target!r}): name a file relative to the site root, like 'guide/index.html'")
    if _manifest is not None and file_path not in _manifest:
        raise MissingTarget(f"url({target!r}): there is no such file in the site")
    return prefix(context["path"]) + target


class FragmentCache(jinja2.ext.Extension):
    """`{% cache "name", key, ... %}…{% endcache %}`: the block is rendered once per key.

    For the parts of a page that are the same wherever the key is the same: a case study's
    tile on the database, the shortlist and the home page; its cards on the deck and the
    shortlist; the site's header and footer. The key must name everything the block depends
    on besides the site's skeleton, the settings and the templates: content objects by
    identity (a changed file is a new object), the page by its depth. A cold build starts
    with an empty cache; `serve` keeps it between rebuilds and empties it when the skeleton,
    a setting or a template changes (hub.serve.ServeCache).
    """

    tags = {"cache"}

    def __init__(self, environment: jinja2.Environment):
        super().__init__(environment)
        environment.extend(fragments={})

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_render", [jinja2.nodes.Tuple(key, "load")])
        return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render(self, key: tuple, caller) -> str:
        return fragment(self.environment, key, caller)


def fragment(env: jinja2.Environment, key: tuple, make) -> str:
    """What `make()` renders for `key`, rendered once (FragmentCache)."""
    # Objects by identity (hashing a case study would cost more than rendering its tile); the
    # entry keeps the objects themselves, so an id is never mistaken for a later object's.
    plain = tuple(k is None or isinstance(k, (str, int)) for k in key)
    ident = tuple(k if p else id(k) for k, p in zip(key, plain))
    return m.remembered(env.fragments, ident, tuple(k for k, p in zip(key, plain) if not p), make)


@jinja2.pass_context
def _each(context, macro, items, *args) -> Markup:
    """`{{ each(ui.case_study_tile, site.case_studies) }}`: the macro for each item, one per line, each
    rendered once for all pages whose links start alike (a loop of ten thousand macro calls costs
    more than the page's other work). An item may be a tuple of arguments: (case study, card).

    What it returns is a marker; `render_one` puts the list in its place after checking the
    page's links, so the links of each fragment are checked once, when it is made, and the
    ten thousand tiles of the database are not searched for links on every page that shows them.
    """
    if any(not (a is None or isinstance(a, (str, int))) for a in args):
        raise TypeError("each(): the arguments after the items must be strings or numbers")
    root = context.call(context.resolve("url"), "index.html")
    env = context.environment
    code = macro._func.__code__  # the macro by its compiled code: a changed template is a new one
    base = (id(code), args, root)
    page = context["path"]

    def made(call: tuple) -> tuple[str, list]:
        text = str(macro(*call, *args))
        return text, _job.link_check(page, text) if _job is not None else []

    out = []
    for item in items:
        call = item if isinstance(item, tuple) else (item,)
        text, problems = m.remembered(env.fragments, (base, *map(id, call)), (code, *call), lambda call=call: made(call))
        if problems:
            _each_problems.extend(problems)
        out.append(text)
    _each_parts.append("\n".join(out))
    return Markup(f"\x00each{len(_each_parts) - 1}\x00")


_each_parts: list[str] = []  # what each() made for the page being rendered (one page at a time per process)
_each_problems: list[tuple[str, str]] = []
EACH_MARKER = re.compile(r"\x00each(\d+)\x00")


def make_environment(templates_dir: Path, kept: bool = False) -> jinja2.Environment:
    """The templates' environment. One `kept` between builds (serve's) looks at each template's file
    whenever it is used and recompiles a changed one; a build's own never does (their files cannot
    change under it in a way it should follow: 40 000 stat calls at 10 000 case studies, for nothing)."""
    env = jinja2.Environment(
        extensions=[FragmentCache],
        auto_reload=kept,
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        bytecode_cache=bytecode_cache(templates_dir.parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    env.filters["inline"] = _inline
    env.filters["sections"] = markdown_sections
    env.globals.update(
        case_study_url=case_study_url, idea_url=idea_url, theme_url=theme_url,
        step_url=step_url, page_url=page_url, url=_url, card_id=card_id, each=_each,
    )
    return env


def markdown_sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Markdown split at its `## ` headings: (the text before the first, [(heading, text below it)])."""
    parts = re.split(r"^## +(.+?)[ \t]*$", text, flags=re.M)
    return parts[0], list(zip(parts[1::2], parts[2::2]))


def bytecode_cache(root: Path) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in .hub-cache/ (like Python's __pycache__: keyed by each template's
    source checksum, so a changed template is always compiled afresh). None where it cannot be written."""
    # Compiled code also depends on Jinja and on this module's extensions: a change to either is a new folder.
    version = hashlib.sha1((jinja2.__version__ + Path(__file__).read_text(encoding="utf-8")).encode()).hexdigest()[:12]
    folder = root / ".hub-cache" / f"templates-{version}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.parent.glob("templates-*"):  # compiled by an earlier version of the engine
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
        probe = folder / ".probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def template_location(exc: BaseException, fallback: str) -> tuple[str, int]:
    """The innermost template frame of a rendering error."""
    found = (fallback, 1)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml")):
            found = (Path(frame.filename).name, frame.lineno or 1)
    return found


# Rendering ------------------------------------------------------------------------

@dataclass
class Job:
    """What every renderer (this process or a forked worker) needs; set once, before forking."""

    site: Site
    view: SiteView
    config: Config
    env: jinja2.Environment
    specs: list[PageSpec]
    write: object  # callable(rel, bytes) or None (check: render, do not write)
    link_check: object  # callable(page path, html) -> [(url, problem)]


_job: Job | None = None
_manifest: set[str] | None = None


def render_one(spec: PageSpec) -> tuple[str | None, list[ContentError]]:
    """Render one page and hand it to the writer; its digest, or its errors."""
    job = _job
    site = job.view if spec.deps is not None else job.site
    _each_parts.clear()
    _each_problems.clear()
    try:
        template = job.env.get_template(spec.template)
        text = template.render(site=site, config=job.config, dev=job.config.dev, **spec.context, path=spec.path)
    except jinja2.TemplateSyntaxError as exc:
        return None, [ContentError(f"templates/{exc.name or spec.template}", exc.lineno or 1, f"template syntax error: {exc.message}")]
    except Exception as exc:  # noqa: BLE001 - reported with its location, never swallowed
        name, line = template_location(exc, spec.template)
        return None, [ContentError(f"templates/{name}", line, f"{type(exc).__name__}: {exc} (while rendering {spec.source} into {spec.path})")]
    problems = job.link_check(spec.path, text) + _each_problems
    errors = [ContentError(*template_line(job.config, spec.template, url), f"link {url!r} on {spec.path}: {problem}")
              for url, problem in dict.fromkeys(problems)]
    if errors:
        return None, errors
    if _each_parts:
        text = EACH_MARKER.sub(lambda match: _each_parts[int(match[1])], text)
    data = text.encode("utf-8")
    digest = hashlib.sha1(data).hexdigest()
    if job.write is not None:
        job.write(spec.path, data, digest)
    return digest, []


def template_line(config: Config, template: str, url: str) -> tuple[str, int]:
    """Where a literal link is written in a template (or its base), for an error message."""
    for name in (template, "base.html", "_macros.html"):
        try:
            text = (config.templates_dir / name).read_text(encoding="utf-8")
        except OSError:
            continue
        at = text.find(url)
        if at >= 0:
            return f"templates/{name}", text.count("\n", 0, at) + 1
    return f"templates/{template}", 1


def render_chunk(indices: list[int]) -> tuple[dict[str, str], list[ContentError]]:
    digests, errors = {}, []
    for i in indices:
        spec = _job.specs[i]
        digest, errs = render_one(spec)
        errors += errs
        if digest is not None:
            digests[spec.path] = digest
    return digests, errors


def render_pages(specs: list[PageSpec], site: Site, config: Config, manifest: set[str], write, link_check,
                 env: jinja2.Environment | None = None, workers: int = 0, meanwhile=None) -> tuple[dict[str, str], list[ContentError]]:
    """Render `specs`, each handed to `write` as it is made; {path: digest} of each page, and every error.

    With workers, pages are rendered by forked processes that inherit the site (hub.workers: only
    digests and errors come back); `meanwhile()` runs in this process while they work, and then
    this process renders pages too.
    The output does not depend on which process rendered a page.

    A given `env` is kept between builds (serve's): its fragments, every tile a whole-site page
    shows, are rendered once and reused. Fragments made in a worker would be lost with it, so
    this process renders the whole-site pages itself, while the workers render the others.
    """
    global _job, _manifest
    kept = env is not None
    env = env or make_environment(config.templates_dir)  # a new environment: no fragments yet
    for name in sorted({s.template for s in specs}):
        try:
            env.get_template(name)  # compile once, before forking
        except jinja2.TemplateError:
            pass  # reported when a page uses it
    _job = Job(site, SiteView(site), config, env, specs, write, link_check)
    _manifest = manifest
    digests: dict[str, str] = {}
    errors: list[ContentError] = []
    try:
        if workers and len(specs) > 1:
            whole = [i for i, s in enumerate(specs) if s.deps is None]  # the heavy pages
            rest = [i for i, s in enumerate(specs) if s.deps is not None]
            if kept:  # this process makes the whole-site pages (after `meanwhile`), then helps with the rest
                results = fork_map(render_chunk, [whole] + portions(rest, workers), workers + 1, meanwhile,
                                   here=True, mine=(0,))
            else:  # the heavy pages first; this process joins in after `meanwhile`
                results = fork_map(render_chunk, portions(whole + rest, workers), workers, meanwhile, here=True)
            for d, e in results:
                digests.update(d)
                errors += e
        else:
            if meanwhile:
                meanwhile()
            d, e = render_chunk(list(range(len(specs))))
            digests.update(d)
            errors += e
    finally:
        _job = None
        _manifest = None
    return digests, sorted(set(errors))


def render_extras(site: Site, config: Config, html_paths: list[str]) -> dict[str, str]:
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
            + "".join(f"  <url><loc>{html.escape(base + p, quote=False)}</loc></url>\n" for p in pages)
            + "</urlset>\n"
        )
        env = make_environment(config.templates_dir)
        out["feed.xml"] = env.get_template("feed.xml").render(site=site, base=base, path="feed.xml")
    out["robots.txt"] = robots
    return out


def extra_paths(config: Config) -> list[str]:
    """Files of the site besides pages, assets and the index (serve adds its _dev/ files)."""
    return (["robots.txt"] + (["sitemap.xml", "feed.xml"] if config.base_url else [])
            + (["_dev/dev.js", "_dev/status.json"] if config.dev else []))


# Links in rendered pages: the safety net for links a template writes without url() ---

LINK = re.compile(r"""\b(?:href|src)\s*=\s*(["'])(.*?)\1""", re.I | re.S)
# Every href or src value, quoted either way, in any case: what URL_VALUES_PLAIN says, found about
# three times faster (a case-insensitive alternation at every character is slow on a 10 MB page; here
# only an h or an s starts a try). tests/test_properties.py holds the two equal.
URL_VALUES_PLAIN = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
URL_VALUES = re.compile(r"""[hHsS](?<!\w[hHsS])(?:(?<=[hH])(?i:ref)|(?<=[sS])(?i:rc))\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Faster again (four times, on a case study's page) where no '=' follows white space, as in every
# page the templates write: an '=' is rare in a page and an h or an s is not, so this tries only at
# each '=', and looks back for the attribute's name. tests/test_properties.py holds url_values equal.
URL_AFTER_EQUALS = re.compile(r"""=(?:(?<=[hH][rR][eE][fF]=)(?<!\w.....)|(?<=[sS][rR][cC]=)(?<!\w....))\s*(?:"([^"]*)"|'([^']*)')""")
SPACE_BEFORE_EQUALS = re.compile(r"=(?<=\s=)")
EXTERNAL_SCHEMES = ("http:", "https:", "//")


def link_checker(manifest: set[str], base_url: str | None):
    """A function (page path, html) -> [(url, problem)] for every href/src that is not a file of the site."""
    base = base_url.rstrip("/") + "/" if base_url else None
    cache: dict[tuple, str | None] = {}

    def check(page: str, text: str) -> list[tuple[str, str]]:
        folder = posixpath.dirname(page)
        depth = page.count("/")
        climb = "../" * depth
        found = []
        for url in dict.fromkeys(a or b for a, b in url_values(text)):  # each distinct URL once, in order
            url = url.strip()
            # A link that climbs to the root (as url() writes them) resolves the same from every
            # page of that depth: one check per depth, not one per page.
            key = (depth, url) if depth and url.startswith(climb) else (folder, url)
            problem = cache.get(key, False)
            if problem is False:
                if base and url.startswith(base):  # 404.html's absolute links, which work at any depth
                    rest = url[len(base):]
                    problem = link_problem("", rest, manifest) if rest else None
                else:
                    problem = link_problem(folder, url, manifest)
                cache[key] = problem
            if problem:
                found.append((url, problem))
        return found

    return check


def url_values(text: str) -> list[tuple[str, str]]:
    """URL_VALUES_PLAIN.findall(text), the fastest way the text allows."""
    return (URL_VALUES if SPACE_BEFORE_EQUALS.search(text) else URL_AFTER_EQUALS).findall(text)


def link_problem(folder: str, url: str, manifest: set[str]) -> str | None:
    if url.startswith(("mailto:", "#")):
        return None
    if url == "":
        return "empty link"
    if url.lower().startswith(EXTERNAL_SCHEMES):
        return "points outside the site; the hub links only to its own files"
    if ":" in url.split("/")[0]:
        return "unsupported URL scheme"
    if url.startswith("/"):
        return "absolute path; links must be relative so the site works from disk"
    target = url.split("#", 1)[0].split("?", 1)[0]
    if target == "" or target.endswith("/") or target in (".", ".."):
        return "links to a folder; name the file (…/index.html)"
    resolved = posixpath.normpath(posixpath.join(folder, target))
    if resolved.startswith("../") or resolved == "..":
        return "leaves the site folder"
    return None if resolved in manifest else f"no such file in the site ({resolved})"
