"""`build.py serve`: live rebuilds of what changed, errors over the page, and a server that answers only to itself."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import GOOD_CARD, GOOD_CASE_STUDY, ROOT, make_project
from hub.index import INDEX_FILES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def status(base: str) -> dict:
    return json.loads(get(base + "_dev/status.json"))


def wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    return False


def start(root):
    port = free_port()
    with open(root.parent / "serve.log", "w") as log:  # the child keeps its own copy of the file
        proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port), "--root", str(root)],
                                stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    assert wait_for(lambda: get(base + "_dev/status.json")), "serve did not start"
    return proc, base, port


@pytest.fixture
def served(tmp_path):
    root = make_project(tmp_path, {"case-studies/acme.md": GOOD_CASE_STUDY})
    proc, base, port = start(root)
    try:
        assert wait_for(lambda: "Acme Trust" in get(base + "case-studies/acme/index.html"))
        yield root, base, port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.browser
def test_serve_rebuilds_and_keeps_the_last_good_build_on_error(served, page):
    root, base, _ = served
    source = root / "content" / "case-studies" / "acme.md"
    text = source.read_text()

    source.write_text(text.replace("title: Acme Trust", "title: Acme Trust Renamed"))
    assert wait_for(lambda: "Acme Trust Renamed" in get(base + "case-studies/acme/index.html"))

    source.write_text(text.replace("[Health]", "[Helth]"))
    assert wait_for(lambda: not status(base)["ok"])
    assert status(base)["errors"] == ["content/case-studies/acme.md:5: sectors[0]: 'Helth' is not a known sector "
                                      "(see content/taxonomies/sectors.yaml); did you mean 'Health'?"]
    assert "Acme Trust Renamed" in get(base + "case-studies/acme/index.html")  # the last good build

    page.goto(base + "case-studies/acme/index.html")
    overlay = page.get_by_role("alert", name="Build errors")
    expect(overlay).to_contain_text("this is the last good build")
    expect(overlay).to_contain_text("content/case-studies/acme.md:5: sectors[0]: 'Helth'")
    # However far the page is scrolled (made three screens tall, so that it can be), the overlay stays in view.
    page.evaluate("document.body.style.minHeight = '300vh'; window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("scrollY > innerHeight")
    expect(overlay).to_be_in_viewport(ratio=1)

    source.write_text(text)  # the open page reloads by itself, without the overlay
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Trust")
    expect(overlay).to_have_count(0)
    assert status(base)["ok"]


@pytest.mark.browser
def test_an_open_page_follows_every_save_and_a_burst_ends_on_the_last(served, page):
    root, base, _ = served
    source = root / "content" / "case-studies" / "acme.md"
    text = source.read_text()
    page.goto(base + "case-studies/acme/index.html")
    heading = page.get_by_role("heading", level=1)
    source.write_text(text.replace("title: Acme Trust", "title: Acme One"))
    expect(heading).to_have_text("Acme One")
    time.sleep(1)  # a second save one second after the first (it used to be dropped for 30 s)
    source.write_text(text.replace("title: Acme Trust", "title: Acme Two"))
    expect(heading).to_have_text("Acme Two")
    for i in range(6):  # a burst: the preview must end on the last one
        source.write_text(text.replace("title: Acme Trust", f"title: Acme Burst {i}"))
        time.sleep(0.03)
    expect(heading).to_have_text("Acme Burst 5", timeout=15000)
    assert "Acme Burst 5" in get(base + "case-studies/acme/index.html")


def test_the_preview_serves_the_index_a_cold_build_writes_after_each_edit(served, tmp_path):
    """serve holds the index files in memory: over HTTP they are, byte for byte, what a cold build
    writes, and they follow each save."""
    import build
    from hub.config import Config

    root, base, _ = served

    def fetch(name: str) -> bytes:
        with urllib.request.urlopen(base + name, timeout=5) as r:
            return r.read()

    def cold() -> dict[str, bytes]:
        out = tmp_path / "cold"
        build.build(Config(root, out, drafts=True, dev=True))
        return {name: (out / name).read_bytes() for name in INDEX_FILES}

    assert {name: fetch(name) for name in INDEX_FILES} == cold()
    source = root / "content" / "case-studies" / "acme.md"
    source.write_text(source.read_text().replace("title: Acme Trust", "title: Acme Renamed"))
    assert wait_for(lambda: b"Acme Renamed" in fetch("index.js") and b"Acme Renamed" in fetch("search.json"))
    assert {name: fetch(name) for name in INDEX_FILES} == cold()
    assert fetch("index.js?v=1") == fetch("index.js")


def test_a_rebuild_renders_only_the_pages_a_change_affects(tmp_path):
    import build
    from hub.config import Config
    from hub.serve import ServeCache

    other = GOOD_CASE_STUDY.replace("number: 1", "number: 2").replace("Acme Trust", "Bravo Trust").replace(
        "planning: A plan.", "storytelling: Stories.").replace("  training: Training.\n", "")
    root = make_project(tmp_path, {"case-studies/acme.md": GOOD_CASE_STUDY, "case-studies/bravo.md": other,
                                   "pages/about.md": "---\ntitle: About\ndescription: About us.\n---\nText.\n"})
    out = tmp_path / "served"
    config = Config(root, out, dev=True)
    cache = ServeCache(out)
    rendered = []
    original = cache.changed
    cache.changed = lambda specs, results, config: rendered.append([s.path for s in original(specs, results, config)]) or [s for s in specs if s.path in rendered[-1]]
    first = build.build(config, cache=cache)
    assert sorted(rendered[0]) == sorted(p for p in first.files if p.endswith(".html"))  # the first build renders all
    build.build(config, cache=cache)
    assert rendered[1] == []  # nothing changed: nothing rendered
    source = root / "content" / "case-studies" / "bravo.md"
    source.write_text(source.read_text().replace("Stories.", "More stories."))
    again = build.build(config, cache=cache)
    pages = set(rendered[2])
    assert "case-studies/bravo/index.html" in pages and "case-studies/index.html" in pages
    assert "about/index.html" not in pages  # a page of its own: only its file and the skeleton count
    assert "More stories." in (out / "case-studies" / "bravo" / "index.html").read_text()
    assert set(again.files) == set(first.files)
    # The previous and next case studies show the changed one's title, so they are rendered again with it.
    source.write_text(source.read_text().replace("Bravo Trust", "Bravo Renamed"))
    build.build(config, cache=cache)
    assert "case-studies/acme/index.html" in rendered[3]
    assert "Bravo Renamed" in (out / "case-studies" / "acme" / "index.html").read_text()


FIRST_EDIT = """
import json, sys, threading
sys.path.insert(0, sys.argv[1])
import build
from hub import models, render
from hub.config import Config
from hub.serve import ServeCache
from pathlib import Path

root, out = Path(sys.argv[2]), Path(sys.argv[3])
forks, made, page = [], [], [None]
fork_map, render_one, remembered = render.fork_map, render.render_one, models.remembered
render.fork_map = lambda *a, **k: forks.append(len(a[1])) or fork_map(*a, **k)
render.render_one = lambda spec: page.__setitem__(0, spec.path) or render_one(spec)
models.remembered = lambda store, key, objects, make: remembered(store, key, objects, lambda: made.append(
    [page[0], sorted(o.slug for o in objects if hasattr(o, "slug"))]) or make())
cache = ServeCache(out)
config = Config(root, out, dev=True, jobs=2)
build.build(config, cache=cache)
first, threads = list(made), threading.active_count()
stop = threading.Event()  # as serve's server and watcher: from now on this process renders alone
threading.Thread(target=stop.wait, daemon=True).start()
path = root / "content" / "case-studies" / "case-1.md"
path.write_text(path.read_text().replace("helps people.", "helps everyone."))
del made[:]
build.build(config, cache=cache)
print(json.dumps({"threads": threads, "forks": forks, "first": first, "edit": made}))
"""


def test_the_first_edit_after_serve_starts_renders_only_what_changed(tmp_path):
    """Serve's first build renders in worker processes; the tiles the whole-site pages show are made in
    serve's own process all the same, so the first edit to a case study renders its tile and nothing else."""
    files = {f"case-studies/case-{n}.md": GOOD_CASE_STUDY.replace("number: 1", f"number: {n}").replace(
        "Acme Trust", f"Trust {n}") for n in range(1, 9)}
    root = make_project(tmp_path, files)
    run = subprocess.run([sys.executable, "-c", FIRST_EDIT, str(ROOT), str(root), str(tmp_path / "served")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["threads"] == 1 and len(seen["forks"]) == 1, "the first build alone should render in workers"
    slugs = {f"case-{n}" for n in range(1, 9)}
    assert slugs <= {s for _, made in seen["first"] for s in made}  # every tile was made here, in serve's process
    # The edit makes case-1's tiles again, and the fragments of case-1's own page (made in a worker
    # before); not one other case study's tile on the whole-site pages.
    assert seen["edit"] and all("case-1" in made or page == "case-studies/case-1/index.html"
                                for page, made in seen["edit"]), seen["edit"]


def test_the_serve_log_names_the_files_that_changed_not_a_temporary_file_that_came_and_went(tmp_path):
    from watchfiles import Change

    from hub.serve import changed_names

    folder = tmp_path / "content" / "case-studies"
    folder.mkdir(parents=True)
    (folder / "acme.md").write_text("saved")
    (folder / "new.md").write_text("added")
    batch = {(Change.added, str(folder / "sedAbc123")), (Change.modified, str(folder / "sedAbc123")),
             (Change.deleted, str(folder / "sedAbc123")),  # sed -i's file, renamed over acme.md
             (Change.modified, str(folder / "acme.md")), (Change.added, str(folder / "new.md")),
             (Change.deleted, str(folder / "gone.md")),  # a file removed: named
             (Change.added, str(folder / "back.md")), (Change.deleted, str(folder / "back.md"))}  # came and went
    assert changed_names(batch, tmp_path) == ["content/case-studies/acme.md", "content/case-studies/gone.md",
                                              "content/case-studies/new.md"]
    (folder / "back.md").write_text("deleted, then written again")  # it is there now: named
    assert "content/case-studies/back.md" in changed_names(batch, tmp_path)


def tree(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "_dev" not in p.parts and p.name != ".hub-site"}


def test_every_rebuild_is_byte_identical_to_a_cold_build(tmp_path):
    """The serve cache (pages, tiles, cards, header and footer kept between rebuilds) never shows
    anything a cold build would not: after an edit to a case study, a taxonomy's name and a template."""
    import build
    from hub.config import Config
    from hub.serve import ServeCache

    with_card = GOOD_CASE_STUDY.replace("training: Training.\n", "training: Training.\ncards:" + GOOD_CARD) + "Body words.\n"
    other = GOOD_CASE_STUDY.replace("number: 1", "number: 2").replace("Acme Trust", "Bravo Trust")
    root = make_project(tmp_path, {"case-studies/acme.md": with_card, "case-studies/bravo.md": other})
    served, cold = tmp_path / "served", tmp_path / "cold"
    cache = ServeCache(served)

    def same_as_cold() -> None:
        build.build(Config(root, served, dev=True), cache=cache)
        build.build(Config(root, cold, dev=True))
        # The index files are held in memory (and served from there), never written to the folder.
        assert not any((served / name).exists() for name in INDEX_FILES)
        assert sorted(cache.live.held) == sorted(INDEX_FILES)
        assert {**tree(served), **{rel: b"".join(parts) for rel, parts in cache.live.held.items()}} == tree(cold)

    same_as_cold()
    edits = [
        ("content/case-studies/acme.md", "Body words.", "Other words."),  # its own page only
        ("content/case-studies/acme.md", "Acme helps people.", "Acme helps everyone."),  # its tile
        ("content/case-studies/acme.md", "title: Acme Trust", "title: Acme Renamed"),  # its face on bravo's page
        ("content/case-studies/acme.md", "tagline: A tagline.", "tagline: Another tagline."),  # its card
        ("content/taxonomies/enablers.yaml", "name: Activities", "name: Shared activities"),  # every card's enablers
        ("content/site.yaml", "title: ", "title: The "),  # the header, the footer, every card's link
        ("templates/_macros.html", '<p class="card__kicker">', '<p class="card__kicker" data-edited>'),
        ("templates/base.html", '<footer class="site-footer">', '<footer class="site-footer" data-edited>'),
    ]
    for rel, old, new in edits:
        path = root / rel
        text = path.read_text()
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1))
        same_as_cold()
    assert b"Shared activities" in tree(served)["cards/index.html"]
    assert b"data-edited" in tree(served)["index.html"]


class Recorder:
    """A content object that notes each attribute a template reads of it."""

    def __init__(self, item, seen: set):
        self._item, self._seen = item, seen

    def __getattr__(self, name):
        self._seen.add(name)
        return getattr(self._item, name)


def test_a_page_reads_only_the_face_of_what_it_shows(built):
    """Serve renders a page again when a case study or idea it shows changes its face (models: FACE),
    not its whole file: so the templates must read nothing else of what they show."""
    from hub import models
    from hub.render import SiteView, make_environment, plan_pages

    env = make_environment(ROOT / "templates")
    view = SiteView(built.site)
    read: dict[str, set] = {}
    for spec in plan_pages(built.site):
        if not spec.shown:
            continue
        context = dict(spec.context)
        for name in spec.shown:
            def wrap(item):
                return Recorder(item, read.setdefault(type(item).__name__, set()))
            value = context[name]
            context[name] = [wrap(v) for v in value] if isinstance(value, list) else value and wrap(value)
        env.get_template(spec.template).render(site=view if spec.deps is not None else built.site, config=built_config(built), dev=False, **context, path=spec.path)
    assert read.get("CaseStudy") and read.get("Idea"), read  # the real hub shows both on other pages
    for kind, names in read.items():
        assert names <= set(getattr(models, kind).FACE), f"{kind}: {sorted(names - set(getattr(models, kind).FACE))}"


def built_config(built):
    from hub.config import Config

    return Config(ROOT, built.out_dir)


def test_serve_starts_with_broken_content_shows_why_and_recovers(tmp_path):
    root = make_project(tmp_path, {"case-studies/acme.md": GOOD_CASE_STUDY.replace("[Health]", "[Helth]")})
    proc, base, _ = start(root)
    try:
        assert not status(base)["ok"] and not status(base)["built"]
        assert "'Helth' is not a known sector" in status(base)["errors"][0]
        waiting = get(base + "index.html")
        assert "Waiting for a good build" in waiting and "_dev/dev.js" in waiting
        (root / "content" / "case-studies" / "acme.md").write_text(GOOD_CASE_STUDY.lstrip())
        assert wait_for(lambda: status(base) == {"built": True, "errors": [], "ok": True})
        assert "Acme Trust" in get(base + "case-studies/acme/index.html")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_drafts_are_shown_in_serve_and_marked(tmp_path):
    draft = GOOD_CASE_STUDY.replace("number: 1\n", "number: 1\ndraft: true\n")
    root = make_project(tmp_path, {"case-studies/acme.md": draft})
    proc, base, _ = start(root)
    try:
        assert wait_for(lambda: "Acme Trust" in get(base + "case-studies/acme/index.html"))
        assert 'class="badge badge--draft">Draft' in get(base + "case-studies/acme/index.html")
        assert 'badge--draft">Draft</span>' in get(base + "case-studies/index.html")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def answer(port: int, path: str, host: str | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    code = conn.getresponse().status
    conn.close()
    return code


def test_the_preview_answers_only_to_its_own_host_and_never_fails_on_a_strange_path(served):
    _, base, port = served
    assert answer(port, "/index.html") == 200
    assert answer(port, "/index.html", host=f"localhost:{port}") == 200
    assert answer(port, "/index.html", host="attacker.example:80") == 403  # DNS rebinding
    assert answer(port, "/index.html", host=f"attacker.example:{port}") == 403
    for strange in ("/index.html%00.txt", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/a\\b", "/%ff%fe",
                    "/case-studies/", "/.hub-site", "/" + "x" * 5000, "/index.html?%00=%00"):
        assert answer(port, strange) in (200, 400, 404), strange  # never a 500
