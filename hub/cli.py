"""The command line: build (default), check, new, serve. `build.py` and the installed `hub` command run it.

    hub                        build the site into site/
    hub check                  check everything a build checks, writing nothing
    hub new "Organisation"     start a case study from the template
    hub serve                  preview with live reload

Run any command with --help for its options.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .config import Config
from .errors import BuildError, ContentError
from .pipeline import build, check
from .workers import WorkerError

CHECKOUT = Path(__file__).resolve().parent.parent  # the repository, when run from a clone


def default_root() -> Path:
    """The project to build: the current folder if it holds content/, else this checkout."""
    here = Path.cwd()
    if (here / "content").is_dir():
        return here
    return CHECKOUT if (CHECKOUT / "content").is_dir() else here


def report(errors: list[ContentError], format: str = "text") -> None:
    """Print every problem: `path:line: message` lines, or GitHub annotations plus the job summary."""
    if format == "github":
        from hub.errors import github_annotations, github_summary

        for line in github_annotations(errors):
            print(line)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as f:
                f.write(github_summary(errors))
    for error in errors:
        print(error, file=sys.stderr)
    print(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found.", file=sys.stderr)
    if format == "text" and errors:
        print(f"Each line is path:line: what is wrong. Fix them and run {hint()} check again "
              "(docs/content-format.md has every field).", file=sys.stderr)


def shown(path: Path) -> str:
    """A path as the reader can use it from where they are."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def hint() -> str:
    """How to run this tool again, as the reader can type it here."""
    if Path(sys.argv[0]).name == "hub":
        return "hub"
    script = CHECKOUT / "bin" / "build"
    if not script.is_file():
        return "hub"
    return shown(script) if Path.cwd() == CHECKOUT else str(script)




def cmd_build(args) -> int:
    from hub.write import OutputError

    root = Path(args.root).resolve()
    config = Config(root, Path(args.out or root / "site").resolve(), base_url=args.base_url, drafts=args.drafts,
                    jobs=args.jobs)
    started = time.perf_counter()
    try:
        built = build(config)
    except BuildError as exc:
        report(exc.errors, args.format)
        print(f"Build failed; {shown(config.out_dir)} was left as it was.", file=sys.stderr)
        return 1
    except OutputError as exc:
        print(f"{Path(sys.argv[0]).name}: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(f"Built {built.pages} pages ({len(built.site.case_studies)} case studies, "
          f"{len(built.site.cards)} cards) and {len(built.files) - built.pages} other files "
          f"into {shown(config.out_dir)} in {seconds:.2f} s.")
    print(f"Open {shown(config.out_dir / 'index.html')} in a browser, or preview it: {hint()} serve")
    return 0


def cmd_check(args) -> int:
    root = Path(args.root).resolve()
    config = Config(root, root / "site")  # as a build does: a link to a draft is a problem here too
    try:
        built = check(config)
    except BuildError as exc:
        report(exc.errors, args.format)
        return 1
    site = built.site
    print(f"All content is valid: {len(site.case_studies)} case studies, {len(site.cards)} cards, "
          f"{len(site.guide)} guide steps, {len(site.themes)} themes, {len(site.ideas)} ideas, {len(site.pages)} pages "
          f"({built.pages} pages rendered and their links checked).")
    if built.drafts:
        print(f"Drafts, checked but not published until 'draft: true' is deleted: {', '.join(built.drafts)}.")
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
    print(f"Wrote {path.relative_to(root)}. It is a draft: {hint()} serve shows it (marked Draft) while you "
          f"write, and a build leaves it out until you delete the line 'draft: true'. "
          f"Check it with: {hint()} check")
    return 0


def cmd_serve(args) -> int:
    from hub.serve import serve

    return serve(build, Path(args.root).resolve(), host="127.0.0.1", port=args.port, drafts=args.drafts)


def main(argv: list[str] | None = None) -> int:
    prog = "hub" if Path(sys.argv[0]).name == "hub" else "build.py"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def build_options(p):
        p.add_argument("--out", metavar="DIR", help="output folder (default: site/)")
        p.add_argument("--base-url", metavar="URL", help="where the site will be hosted, e.g. https://hub.example.org/; adds sitemap.xml and feed.xml with absolute URLs")
        p.add_argument("--drafts", action="store_true", help="include case studies marked draft: true")
        p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: one per core, unless there are fewer than 32 files or pages; 1: this process only). The output is the same whatever N")

    def format_option(p):
        p.add_argument("--format", choices=("text", "github"), default="text", help="'github' also prints each problem as a GitHub Actions annotation and adds the list to the job summary")

    def root_option(p):
        p.add_argument("--root", default=None, metavar="DIR", help="the project folder holding content/, templates/ and assets/ (default: the current folder if it has content/, else this checkout)")

    p = commands.add_parser("build", help="build the site (the default command)", description="Load, validate, link, render, index and write the site. Exits 1, leaving the previous output untouched, on any error.")
    build_options(p)
    format_option(p)
    root_option(p)
    p.set_defaults(func=cmd_build)
    p = commands.add_parser("check", help="check everything a build checks, writing nothing", description="Validate every content file, render every page and check every link, writing nothing; list every problem as path:line: message. Exits 1 if there is any.")
    format_option(p)
    root_option(p)
    p.set_defaults(func=cmd_check)
    p = commands.add_parser("new", help="start a new case study", description="Write content/case-studies/<slug>.md from a template that shows every field. It is a draft until you remove 'draft: true'.")
    p.add_argument("name", help='the organisation\'s name, e.g. "Community Shop"')
    root_option(p)
    p.set_defaults(func=cmd_new)
    p = commands.add_parser("serve", help="preview with live reload", description="Build into a temporary folder and serve it on 127.0.0.1 with live reload, rebuilding what a change affects as soon as content/, templates/ or assets/ change. Drafts are shown, marked 'Draft'. A failed build shows every problem over the page until it is fixed.")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--no-drafts", dest="drafts", action="store_false", help="leave drafts out, as a real build does")
    root_option(p)
    p.set_defaults(func=cmd_serve)

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build"] + argv
    args = parser.parse_args(argv)
    args.root = args.root or str(default_root())
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # the file system said no: one line, with the path
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{prog}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except WorkerError as exc:  # a worker process was killed (out of memory, say): say so, and how
        print(f"{prog}: {exc}; the output folder was left as it was", file=sys.stderr)
        return 1


