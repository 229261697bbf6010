#!/usr/bin/env python3
"""The Relationships Hub's command line: build (default), check, new, serve.

    python build.py                     build the site into site/
    python build.py check               validate content only; list every problem
    python build.py new "Organisation"  start a case study from the template
    python build.py serve               preview with live reload

Run any command with --help for its options.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hub.config import Config
from hub.errors import BuildError, ContentError
from hub.index import index_files
from hub.link import Site, link
from hub.load import load_content
from hub.render import render_site
from hub.validate import validate
from hub.serve import dev_files
from hub.write import check_links, collect_assets, write_site

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Built:
    site: Site
    files: dict[str, str | bytes]
    out_dir: Path

    @property
    def pages(self) -> int:
        return sum(1 for p in self.files if p.endswith(".html"))


def check(config: Config) -> Site:
    """load -> validate -> link. Raises BuildError with every problem found."""
    sources, errors = load_content(config.content_dir, config.root)
    parsed, more = validate(sources)
    errors += more
    site, more = link(parsed, drafts=config.drafts)
    errors += more
    if errors or site is None:
        raise BuildError(errors or [ContentError("content", 1, "no content")])
    return site


def build(config: Config) -> Built:
    """The whole pipeline: load -> validate -> link -> render -> index -> write."""
    site = check(config)
    files: dict[str, str | bytes] = dict(render_site(site, config))
    files.update(index_files(site))
    files.update(collect_assets(config.assets_dir))
    if config.dev:
        files.update(dev_files())
    broken = check_links(files, config.base_url)
    if broken:
        raise BuildError(broken)
    write_site(files, config.out_dir)
    return Built(site, files, config.out_dir)


def report(errors: list[ContentError]) -> None:
    for error in errors:
        print(error, file=sys.stderr)
    print(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found.", file=sys.stderr)


def cmd_build(args) -> int:
    root = Path(args.root).resolve()
    config = Config(root, Path(args.out or root / "site").resolve(), base_url=args.base_url, drafts=args.drafts)
    started = time.perf_counter()
    try:
        built = build(config)
    except BuildError as exc:
        report(exc.errors)
        print(f"Build failed; {config.out_dir} was left as it was.", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    where = config.out_dir
    print(f"Built {built.pages} pages ({len(built.site.case_studies)} case studies, "
          f"{len(built.site.cards)} cards) and {len(built.files) - built.pages} other files "
          f"into {where} in {seconds:.2f} s.")
    print(f"Open {where / 'index.html'} in a browser, or serve it: python build.py serve")
    return 0


def cmd_check(args) -> int:
    root = Path(args.root).resolve()
    config = Config(root, root / "site", drafts=True)
    try:
        site = check(config)
    except BuildError as exc:
        report(exc.errors)
        return 1
    print(f"All content is valid: {len(site.case_studies)} case studies, {len(site.cards)} cards, "
          f"{len(site.guide)} guide steps, {len(site.themes)} themes, {len(site.ideas)} ideas, {len(site.pages)} pages.")
    return 0


def cmd_new(args) -> int:
    from hub.scaffold import new_case_study

    try:
        root = Path(args.root).resolve()
        path = new_case_study(root / "content" / "case-studies", args.name)
    except FileExistsError as exc:
        print(f"{exc}: a case study with that slug exists already.", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Wrote {path.relative_to(root)} (a draft: it builds, but is left out of the site "
          f"until you remove 'draft: true' or build with --drafts).")
    return 0


def cmd_serve(args) -> int:
    from hub.serve import serve

    return serve(build, Path(args.root).resolve(), host="127.0.0.1", port=args.port, drafts=args.drafts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def build_options(p):
        p.add_argument("--out", metavar="DIR", help="output folder (default: site/)")
        p.add_argument("--base-url", metavar="URL", help="where the site will be hosted, e.g. https://hub.example.org/; adds sitemap.xml and feed.xml with absolute URLs")
        p.add_argument("--drafts", action="store_true", help="include case studies marked draft: true")

    def root_option(p):
        p.add_argument("--root", default=str(ROOT), metavar="DIR", help="the project folder holding content/, templates/ and assets/ (default: this one)")

    p = commands.add_parser("build", help="build the site (the default command)", description="Load, validate, link, render, index and write the site. Exits 1, leaving the previous output untouched, on any error.")
    build_options(p)
    root_option(p)
    p.set_defaults(func=cmd_build)
    p = commands.add_parser("check", help="validate the content only", description="Validate every content file and list every problem as path:line: message. Exits 1 if there is any.")
    root_option(p)
    p.set_defaults(func=cmd_check)
    p = commands.add_parser("new", help="start a new case study", description="Write content/case-studies/<slug>.md from a template that shows every field. It is a draft until you remove 'draft: true'.")
    p.add_argument("name", help='the organisation\'s name, e.g. "Community Shop"')
    root_option(p)
    p.set_defaults(func=cmd_new)
    p = commands.add_parser("serve", help="preview with live reload", description="Build into a temporary folder and serve it on 127.0.0.1 with live reload, rebuilding when content/, templates/ or assets/ change. A failed rebuild keeps the last good build and shows the error in the browser.")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--drafts", action="store_true", help="include drafts")
    root_option(p)
    p.set_defaults(func=cmd_serve)

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build"] + argv
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
