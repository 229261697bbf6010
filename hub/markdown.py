"""Markdown to safe HTML, and the check of everything a contributor can write in it.

Python-Markdown renders (with raw HTML switched off: `<b>` is text, never a tag), nh3
sanitises what comes out (defence in depth), and `inspect` reports, for the validator,
each thing that would otherwise be dropped or changed in silence: raw HTML, a link
out of the site or with an unsafe scheme (in any form: inline, reference-style,
autolink), an absolute or folder link, an image without alt text, a level-1 heading.

Relative links are resolved once, against the page the text belongs to (or, for a
`.md` link, against the content file), to a path from the site root. They are kept
with ROOT in front, which `for_page` replaces by the way back to the root from the
page being rendered, so the same text links correctly wherever it is shown.
"""

from __future__ import annotations

import html as html_lib
import posixpath
import re
import signal
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree import ElementTree as etree

import markdown as md
from markdown import blockprocessors, preprocessors, treeprocessors
from markdown.util import AtomicString

# Fenced code imports Python-Markdown's code highlighter, which imports Pygments, if installed,
# at every start (4-8 ms). The hub never highlights code (no CodeHilite extension, so fenced code
# writes a plain <pre><code>): Pygments is kept out while the extension loads, as if it were
# not installed, and is importable again afterwards.
_blocked = "pygments" not in sys.modules
if _blocked:
    sys.modules["pygments"] = None  # `import pygments` now raises ImportError
try:
    from markdown.extensions.fenced_code import FencedCodeExtension
finally:
    if _blocked:
        del sys.modules["pygments"]
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
import nh3
from markupsafe import escape

from .urls import content_path_to_page

TAGS = {
    "p", "br", "hr", "a", "em", "strong", "b", "i", "code", "pre", "blockquote", "img",
    "ul", "ol", "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "sup", "sub",
    "abbr", "table", "thead", "tbody", "tr", "th", "td", "caption",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}, "th": {"scope"}, "ol": {"start"}}
SCHEMES = {"mailto"}
ROOT = "\ue000"  # stands for the way back to the site root; never survives rendering
MAX_SECONDS = 2.0  # Markdown rendering time per content file

# Python-Markdown tries each block processor's test on each block, and some tests search the
# whole block with an expression that must try at every character; so does the whitespace
# clean-up on the whole document. Each of these first looks for a text that any match must
# contain (a hash header has a '#'; a setext header's second line starts with '=' or '-'; a line
# of spaces ends in ' \n', before tabs are expanded, or '\t\n'), and answers alike without the
# search where the text is absent: a tenth of a body's conversion. tests/test_properties.py holds
# the renderer equal to Python-Markdown's own.
class HashHeaderProcessor(blockprocessors.HashHeaderProcessor):
    def test(self, parent, block: str) -> bool:
        return "#" in block and super().test(parent, block)


class SetextHeaderProcessor(blockprocessors.SetextHeaderProcessor):
    def test(self, parent, block: str) -> bool:
        return ("\n=" in block or "\n-" in block) and super().test(parent, block)


class NormalizeWhitespace(preprocessors.NormalizeWhitespace):
    def run(self, lines: list[str]) -> list[str]:  # Python-Markdown's, with the search guarded
        source = "\n".join(lines)
        source = source.replace(md.util.STX, "").replace(md.util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        if " \n" in source or "\t\n" in source:
            source = re.sub(r"(?<=\n) +\n", "\n", source.expandtabs(self.md.tab_length))
        else:
            source = source.expandtabs(self.md.tab_length)
        return source.split("\n")


# Python-Markdown's inline stage tries each of its patterns on each piece of text, and pairs
# '*' and '_' by a general delimiter algorithm: two thirds of a case study's conversion. Most
# text is words, *emphasis*, **strong** and [links](target) in their plainest form: such a text
# is made here into the elements Python-Markdown would make of it, and marked as done
# (AtomicString), so the inline stage passes it by. Anything else in any text of a document (an
# underscore, a backtick, a backslash, a mark not between a space and a word, a link with a title
# or spaces...) leaves the whole document to Python-Markdown (QuickInline says why).
# tests/test_properties.py holds the output equal to Python-Markdown's own.
QUICK_PLAIN = re.compile(r"[^*_`\\<!\[\]\x02\x03]+")
QUICK_MARKUP = re.compile(r"""
    \[(?P<text>[^*_`\\<&!\[\]\x02\x03\n]+)\]\((?P<href>[^\s()<>"'*_`\\&!\[\]\x02\x03]+)\)
  | (?<![^ \n])(?P<mark>\*\*?)(?P<inner>\w(?:[^*_`\\<&!\[\]\x02\x03\n]*\w)?)(?P=mark)(?=[ \n.,;:?)]|$)
""", re.X)


def quick_inline(text: str) -> list | None:
    """`text` as [text, element, text, element, ..., text] (each text what follows the element before it),
    or None where it is not plain enough to be made here."""
    if "  \n" in text:  # a line break
        return None
    parts: list = [""]
    at, end = 0, len(text)
    while at < end:
        plain = QUICK_PLAIN.match(text, at)
        if plain:
            parts[-1] += plain.group()
            at = plain.end()
            continue
        found = QUICK_MARKUP.match(text, at)
        if found is None:
            return None
        if found["text"] is not None:
            element = etree.Element("a", {"href": found["href"]})
            element.text = AtomicString(found["text"])
        else:
            element = etree.Element("strong" if len(found["mark"]) == 2 else "em")
            element.text = AtomicString(found["inner"])
        parts.append(element)
        parts.append("")
        at = found.end()
    return parts


class QuickInline(treeprocessors.Treeprocessor):
    """Every text of the document made here, or none: Python-Markdown numbers what it sets aside in a
    document, and in some tangles of marks that number shows in its output, so a document is made
    wholly one way (which also keeps Python-Markdown's output whole where it is its own)."""

    def run(self, root):
        if self.md.references:  # [text] and [text][id] would be links too: Python-Markdown's own way
            return None
        made = []
        for element in root.iter():
            if element.tail and element.tail.strip() and not isinstance(element.tail, AtomicString):
                return None
            text = element.text
            if not text or isinstance(text, AtomicString):
                continue
            parts = quick_inline(text)
            if parts is None:
                return None
            made.append((element, parts))
        for element, parts in made:
            element.text = AtomicString(parts[0]) if parts[0] else None
            for i in range(1, len(parts), 2):
                inline, tail = parts[i], parts[i + 1]
                inline.tail = AtomicString(tail) if tail else None
                element.insert(i // 2, inline)
        return None


# Extensions as objects, not names: a name is looked up among installed packages' entry
# points, which reads every package's metadata (tens of milliseconds at every start).
def new_renderer(without: frozenset = frozenset(), guarded: bool = True) -> md.Markdown:
    renderer = md.Markdown(extensions=[TableExtension(), SaneListExtension(), FencedCodeExtension()], output_format="html")
    renderer.preprocessors.deregister("html_block")  # raw HTML stays text; `inspect` reports it
    renderer.inlinePatterns.deregister("html")
    if guarded:  # in place of Python-Markdown's own, at their priorities
        renderer.preprocessors.register(NormalizeWhitespace(renderer), "normalize_whitespace", 30)
        renderer.parser.blockprocessors.register(HashHeaderProcessor(renderer.parser), "hashheader", 70)
        renderer.parser.blockprocessors.register(SetextHeaderProcessor(renderer.parser), "setextheader", 60)
        renderer.treeprocessors.register(QuickInline(renderer), "quick_inline", 21)  # just before "inline"
    for registry in (renderer.preprocessors, renderer.parser.blockprocessors, renderer.inlinePatterns, renderer.treeprocessors):
        for name in without:
            if name in registry:  # "reference" names a block processor and an inline pattern, both made for "]:"
                registry.deregister(name)
    return renderer


_renderer = new_renderer()

# Python-Markdown tries each block processor on each block of a document, and each inline
# pattern on each piece of its text; most of a convert's time goes there. A processor whose
# syntax cannot occur in a document cannot act anywhere in it: such a document is converted by
# a renderer without those processors, with the same result (tests/test_properties.py holds
# the two equal). Ordinary prose then meets a few of them instead of thirty. A trigger is a
# text the syntax cannot do without, looked for in the whole document: a list item's lines,
# parsed again without their indent, are still parts of it. The reference processors act only
# on a reference that the document defines (`[id]: url`), so without a "]:" they never do.
TRIGGERS = {
    # inline patterns
    "backtick": ("`",), "escape": ("\\",), "reference": ("]:",), "link": ("[",), "image_link": ("![",),
    "image_reference": ("]:",), "short_reference": ("]:",), "short_image_ref": ("]:",), "autolink": ("<",),
    "automail": ("<",), "linebreak": ("  \n", "\t"), "entity": ("&",), "em_strong": ("*", "_"),  # a tab may become spaces
    # block processors ("reference" above is also the block processor for "[id]: url")
    "indent": ("    ", "\t"), "code": ("    ", "\t"), "table": ("|",), "hashheader": ("#",), "setextheader": ("=", "-"),
    "hr": ("-", "_", "*"), "olist": tuple(f"{d}." for d in "0123456789"), "quote": (">",), "ulist": ("*", "+", "-"),
    # the fenced code preprocessor, and the tree processor that puts back what a backslash escaped
    "fenced_code_block": ("```", "~~~"), "unescape": ("\\",),
}
_TRIGGER_TEXTS = tuple(sorted({t for found in TRIGGERS.values() for t in found}))  # each looked for once
_renderers: dict[frozenset, md.Markdown] = {frozenset(): _renderer}


def renderer_for(text: str) -> md.Markdown:
    if "\r" in text or "\x02" in text or "\x03" in text:  # as Python-Markdown first normalises them
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\x03", "")
    present = {t for t in _TRIGGER_TEXTS if t in text}
    without = frozenset(name for name, found in TRIGGERS.items() if present.isdisjoint(found))
    renderer = _renderers.get(without)
    if renderer is None:
        if len(_renderers) >= 64:  # bounded, whatever documents arrive
            return _renderer
        renderer = _renderers[without] = new_renderer(without)
    return renderer

# Text with none of these can only ever be one plain paragraph: no Markdown syntax,
# no HTML, no entity. Most fields (summaries, notes, card lines) are such text, and
# escaping them directly is ~100x cheaper than a Markdown pass with the same result.
MARKDOWN_SYNTAX = re.compile(r"[*_`\[\]<>&#\\|~]|^\s*(?:[-+=]|\d+[.)])(?:\s|$)|\n\s*\n|  \n|^ {4}", re.M)
RAW_HTML = re.compile(r"<(/?[A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^<>]*>|<!--|<!\[CDATA\[|<\?")
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
URL_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')


# MARKDOWN_SYNTAX's answer, five times faster: one alternation tried at every character is slow,
# and most texts are one line. tests/test_properties.py holds the two equal.
SYNTAX_CHARACTER = re.compile(r"[*_`\[\]<>&#\\|~]")
LINE_START = re.compile(r"^\s*(?:[-+=]|\d+[.)])(?:\s|$)|^ {4}", re.M)
BLANK_LINE = re.compile(r"\n\s*\n")


def is_plain(text: str) -> bool:
    if SYNTAX_CHARACTER.search(text):
        return False
    if "\n" not in text:
        return LINE_START.match(text) is None
    return "  \n" not in text and LINE_START.search(text) is None and BLANK_LINE.search(text) is None


class TooSlow(Exception):
    """Markdown rendering went over its time limit."""


@contextmanager
def time_limit(seconds: float = MAX_SECONDS):
    """Raise TooSlow inside the block after `seconds` (where signals can: the main thread on Unix)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def convert(text: str) -> str:
    """Python-Markdown's HTML for `text` (raw HTML already off; not yet sanitised)."""
    renderer = renderer_for(text)
    renderer.reset()
    return renderer.convert(text)


# What Python-Markdown writes (raw HTML switched off): its own tags, with attributes from
# this list only, and text in which '<' is always escaped. Output that matches this
# grammar exactly, and whose URLs are relative, fragments or mailto:, is what nh3 would
# return unchanged; anything else goes through nh3.
SAFE_TAG = re.compile(r'<(?:/[a-z][a-z0-9]*|[a-z][a-z0-9]*(?: (?:href|src|alt|title|start|align|class|id)="[^"<>]*")*(?: /)?)>')
SAFE_TAGS = TAGS | {"h1", "div", "span"}
URL_IN_TAG = re.compile(r'="(?:(?<=href=")|(?<=src="))([^"]*)"')  # each href="…" and src="…": tried at '=' only
TAG_NAME = re.compile(r"</?([a-z][a-z0-9]*)")
SCRIPTY = re.compile(r"[\x00-\x20\x7f]+")


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\xa0]")  # characters nh3 drops or writes as entities


def already_safe(html: str) -> bool:
    """Is `html` made only of allowed tags and attributes, with safe URLs (so sanitising would change nothing)?"""
    if CONTROL.search(html):
        return False
    rest = SAFE_TAG.sub("", html)
    if "<" in rest or ">" in rest.replace("&gt;", ""):
        return False
    if any(name not in SAFE_TAGS for name in TAG_NAME.findall(html)):
        return False
    for url in URL_IN_TAG.findall(html):
        value = SCRIPTY.sub("", html_lib.unescape(url)).lower()
        if ":" in value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0] and not value.startswith("mailto:"):
            return False
    return True


def sanitise(html: str) -> str:
    if already_safe(html) and not any(a in html for a in (' class="', ' id="', ' align="', "<h1", "<div", "<span")):
        return html
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel=None,
        strip_comments=True,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "svg", "math"},
    )


# Links --------------------------------------------------------------------------

def classify(url: str, own_page: str, own_file: str) -> tuple[str | None, str | None]:
    """(problem, None), or (None, target from the site root + any ?query#fragment), or (None, None): nothing to resolve."""
    url = url.strip()
    if url == "":
        return "empty link", None
    if url.startswith("#"):
        return None, None
    if "\\" in url:
        return "a backslash in a link; use '/' between folders", None
    scheme = SCHEME.match(url)
    if scheme:
        name = scheme.group(1).lower()
        if name == "mailto":
            return None, None
        if name in ("http", "https", "ftp", "ftps"):
            return "points outside the site: the hub links only to its own pages; write the address as plain text", None
        return f"a '{name}:' link is not allowed: links must be relative paths to pages of the hub (or mailto:)", None
    if url.startswith("//"):
        return "points outside the site: the hub links only to its own pages; write the address as plain text", None
    if url.startswith("/"):
        return ("an absolute path: write it relative to this page (for example ../../cards/index.html), "
                "so the site also works from disk"), None
    path, suffix = split_suffix(url)
    if path.endswith(".md"):
        target = content_path_to_page(path, own_file)
        if target is None:
            return "a link to a .md file that is not a content page (case study, guide step, theme, idea, page or the report)", None
        return None, target + suffix
    if path == "" or path.endswith("/") or posixpath.basename(path) in (".", ".."):
        return "links to a folder: name the file (…/index.html) so the link also works from disk", None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(own_page), path))
    if resolved == ".." or resolved.startswith("../"):
        return "leaves the site folder", None
    return None, resolved + suffix


def split_suffix(url: str) -> tuple[str, str]:
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    return url[:cut], url[cut:]


# Inspection ---------------------------------------------------------------------

@dataclass
class Inspection:
    """What one Markdown text renders to, what it links to, and what is wrong with it."""

    html: str
    plain: bool = False  # the text has no Markdown syntax at all (its HTML is one escaped paragraph)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (target from the root, as written, 'link' or 'image')
    problems: list[tuple[str, str]] = field(default_factory=list)  # (text to find its line by, message)


class _Scan(HTMLParser):
    """Collects links, images, level-1 headings and raw HTML (as text outside code) from rendered Markdown."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (attribute, value)
        self.images_without_alt: list[str] = []
        self.h1: list[int] = []
        self.text_outside_code: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("code", "pre"):
            self.in_code += 1
        elif tag == "a" and "href" in attrs:
            self.urls.append(("href", attrs["href"] or ""))
        elif tag == "img":
            self.urls.append(("src", attrs.get("src") or ""))
            if not (attrs.get("alt") or "").strip():
                self.images_without_alt.append(attrs.get("src") or "")
        elif tag == "h1":
            self.h1.append(1)

    def handle_endtag(self, tag):
        if tag in ("code", "pre") and self.in_code:
            self.in_code -= 1

    def handle_data(self, data):
        if not self.in_code:
            self.text_outside_code.append(data)


A_HREF = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"')
IMG = re.compile(r"<img\b([^>]*)>")
ATTR = re.compile(r'(\w+)="([^"]*)"')


def scan_html(raw: str) -> _Scan:
    """Links, images, level-1 headings and raw HTML in Python-Markdown's output.

    Python-Markdown writes its tags one way, so regular expressions read them; only output
    with escaped markup in it (raw HTML written as text, or code) needs the full parser,
    to tell code from text.
    """
    if "&lt;" in raw:
        scan = _Scan()
        scan.feed(raw)
        scan.close()
        return scan
    scan = _Scan()
    scan.urls = [("href", html_lib.unescape(h)) for h in A_HREF.findall(raw)]
    for attributes in IMG.findall(raw):
        attrs = {k: html_lib.unescape(v) for k, v in ATTR.findall(attributes)}
        scan.urls.append(("src", attrs.get("src", "")))
        if not attrs.get("alt", "").strip():
            scan.images_without_alt.append(attrs.get("src", ""))
    scan.h1 = [1] if "<h1" in raw else []
    return scan


def inspect(text: str, own_page: str, own_file: str) -> Inspection:
    """Render `text` and report every problem in it; links resolved for `own_page` (`own_file` for .md links)."""
    text = text.strip()
    if not text:
        return Inspection("", plain=True)
    if is_plain(text):
        return Inspection(f"<p>{escape(text)}</p>", plain=True)
    raw = convert(text)
    scan = scan_html(raw)
    found = Inspection("")
    opened = set()
    for data in scan.text_outside_code:
        for match in RAW_HTML.finditer(data):
            tag, name = match.group(0), (match.group(1) or "").lower()
            if name.startswith("/") and name[1:] in opened:
                continue  # the closing tag of one already reported
            opened.add(name)
            found.problems.append((tag, f"raw HTML {tag[:40]!r} is not allowed in content: write Markdown "
                                        "(it would be shown as text)"))
    for src in scan.images_without_alt:
        found.problems.append((src or "![", f"image {src!r} has no alt text: describe it between the brackets, ![like this](…)"))
    if scan.h1:
        found.problems.append(("# ", "a level-1 heading ('# …'): the page's title is its only level-1 heading; "
                                     "start sections with '## '"))
    resolved: dict[str, str] = {}
    for attribute, url in scan.urls:
        problem, target = classify(url, own_page, own_file)
        what = "image" if attribute == "src" else "link"
        if problem:
            found.problems.append((url, f"{what} {url!r}: {problem}"))
        elif target is not None:
            found.links.append((split_suffix(target)[0], url, what))
            resolved[url] = target
    found.html = rewrite_urls(sanitise(raw), resolved)
    return found


def rewrite_urls(html: str, resolved: dict[str, str]) -> str:
    """Put ROOT + target (from the site root) in place of each relative URL that was resolved."""
    if not resolved:
        return html

    def swap(match: re.Match) -> str:
        value = html_lib.unescape(match.group(2))
        target = resolved.get(value)
        if target is None:
            return match.group(0)
        return f'{match.group(1)}="{ROOT}{html_lib.escape(target, quote=True)}"'

    return URL_ATTRIBUTE.sub(swap, html)


# Rendering for templates --------------------------------------------------------

# text -> HTML (ROOT form). Filled by validation for every content text; a text missing
# here (one a template computes) is rendered on first use, with links from the root.
HTML: dict[str, str] = {}


def html_of(text: str) -> str:
    text = (text or "").strip()
    found = HTML.get(text)
    if found is None:
        found = inspect(text, "index.html", "content/site.yaml").html
        HTML[text] = found
    return found


def for_page(html: str, path: str) -> str:
    """HTML in ROOT form made right for the page at `path`."""
    return html.replace(ROOT, "../" * path.count("/")) if ROOT in html else html


def unwrap(html: str) -> str:
    """A one-paragraph rendering without its <p>."""
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def plain_text(text: str | None) -> str:
    """Markdown reduced to plain text with single spaces, for search and summaries."""
    text = (text or "").strip()
    if not is_plain(text):
        text = html_lib.unescape(TAG.sub(" ", html_of(text)))
    return " ".join(text.split())


TAG = re.compile(r"<[^>]+>")


def merge_html(results) -> list:
    """Collect every file's rendered Markdown into HTML; one text that renders two ways is an error."""
    from .errors import ContentError

    HTML.clear()
    owner: dict[str, str] = {}
    errors = []
    for r in results:
        for text, html in r.html.items():
            known = HTML.get(text)
            if known is None:
                HTML[text] = html
                owner[text] = r.path
            elif known != html:
                errors.append(ContentError(r.path, 1, f"a text here is also in {owner[text]}, with relative links that "
                                                      "point elsewhere from there; link to .md files instead "
                                                      "(for example ../case-studies/timpson.md)"))
    return errors


def render_markdown(text: str | None, path: str = "index.html"):
    """Markdown as safe HTML for the page at `path` (what a template's `| md` gives)."""
    from markupsafe import Markup

    return Markup(for_page(html_of(text or ""), path))
