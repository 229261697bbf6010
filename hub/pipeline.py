"""The pipeline, one stage after another: load -> validate -> link -> render -> index -> write.

`build()` is the whole of it; `check()` is the same short of writing. The command line
(`build.py`, or the installed `hub` command) is in `hub.cli`.
"""

from __future__ import annotations

import gc
import hashlib
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import index, link, load, validate, write
from .config import Config
from .errors import BuildError
from .markdown import merge_html
from .workers import worker_count


@dataclass(frozen=True)
class Built:
    site: object  # hub.link.Site
    files: dict[str, str]  # every file of the site: output path -> digest (or the source file, for assets)
    out_dir: Path | None  # None for a check: rendered, not written
    drafts: tuple[str, ...] = ()  # case studies left out as drafts (checked all the same)

    @property
    def pages(self) -> int:
        return sum(1 for p in self.files if p.endswith(".html"))


@contextmanager
def collector_paused():
    """Reading and validating make many objects and no garbage cycles: Python's cyclic collector
    would scan the growing heap again and again for nothing (a fifth of a small build's time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was:
            gc.enable()


def import_render() -> None:
    """The render stage's module, and Jinja2 with it: imported while the workers validate, on the core
    that would otherwise wait (imports are a third or more of the real hub's build; these, 16-22 ms)."""
    from . import render  # noqa: F401


def check(config: Config) -> Built:
    """Everything a build checks, rendering included; writes nothing. Raises BuildError with every problem."""
    return build(config, publish=False)


def build(config: Config, publish: bool = True, cache=None) -> Built:
    """The whole pipeline: load -> validate -> link -> render -> index -> write.

    Every problem of every stage up to rendering is collected before anything is
    written; a failed build leaves the output folder as it was.
    """
    with collector_paused():
        return _build(config, publish, cache)


def _build(config: Config, publish: bool, cache) -> Built:
    entries, errors = load.inventory(config.root)  # load
    errors += load.check_templates(config.root)
    assets, more = load.list_assets(config.root)
    errors += more
    workers = worker_count(len(entries), config.jobs)
    results = validate.validate_all(entries, workers, cache.files if cache else None, meanwhile=import_render)  # validate
    from . import render  # (imported by now)
    errors += [e for r in results for e in r.errors]
    errors += merge_html(results)
    site, more = link.link(results, drafts=config.drafts)  # link
    errors += more
    specs = render.plan_pages(site)
    errors += render.collisions(specs)
    manifest = {s.path for s in specs} | set(assets) | set(index.INDEX_FILES) | set(render.extra_paths(config))
    errors += link.check_links(results, manifest, link.unpublished(results, site))
    if errors:
        raise BuildError(errors)

    output = (cache.output(config) if cache else write.Output(config.out_dir, config.root, config.jobs)) if publish else None
    if output:
        output.open(on_wait=lambda: print(f"Waiting for another build into {config.out_dir} to finish…", file=sys.stderr))
    try:
        files: dict[str, str] = {}

        def the_rest() -> None:  # index, extras and assets, while the pages render
            from .index import Captured

            files.update(index.write_index_files(site, output.opener if output else lambda rel: Captured(None)))
            for rel, text in render.render_extras(site, config, sorted(s.path for s in specs)).items():
                data = text.encode("utf-8")
                files[rel] = hashlib.sha1(data).hexdigest()
                if output:
                    output.write(rel, data)
            for rel, source in sorted(assets.items()):
                files[rel] = str(source)
                if output:
                    output.copy(rel, source)

        gc.enable()
        gc.freeze()  # the site, read: later collections skip it, and forked workers leave its pages shared
        todo = cache.changed(specs, results, config) if cache else specs
        env = cache.environment(config) if cache else None
        pages, errors = render.render_pages(todo, site, config, manifest, output.write if output else None,  # render
                                            render.link_checker(manifest, config.base_url), env=env,
                                            workers=worker_count(len(todo), config.jobs), meanwhile=the_rest)
        if errors:
            raise BuildError(errors)
        files.update(pages)
        if cache:
            files = cache.rendered(specs, files)
        if output:
            output.publish()  # write
    finally:
        if output:
            output.close()
    published = {cs.slug for cs in site.case_studies}
    drafts = tuple(sorted(r.stem for r in results if r.kind == "case-studies" and r.value is not None and r.stem not in published))
    return Built(site, files, config.out_dir if publish else None, drafts)
