"""`build.py serve`: a preview that keeps up with typing.

- Watching: `watchfiles` (the OS's file events: inotify on Linux), over content/,
  templates/ and assets/. Editors' scratch files are ignored.
- Rebuilding: in this process's main thread, the same `build()` as every build, with a
  cache kept between builds: a file whose state did not change is not read again, and
  a page is rendered again only when something it depends on changed (its content
  files, the site's skeleton, or a template). Changes that arrive during a rebuild are
  taken together by the next one, so a burst of saves always ends on the last.
- Serving: the folder the rebuilds update, and the index files, held in memory (with a
  big bank they are most of what an edit rewrites). tornado on 127.0.0.1, answering
  only requests whose Host is this server (a DNS-rebinding page cannot read the
  preview), never a 500 on a strange path. livereload's websocket handler tells open
  pages to reload after each rebuild.
- Failing: the errors are printed and shown over the page, fixed in view, every
  `path:line`, until they are fixed; the last good pages stay. Serve starts even when
  the content is broken at first.
- Drafts are shown (marked "Draft"), unless --no-drafts.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import mimetypes
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

from .config import Config
from .errors import BuildError
from .load import is_scratch
from .validate import changed_since
from .write import OutputError

DEV_SCRIPT = r"""(function () {
  "use strict";
  var me = document.currentScript;
  var status = new URL("status.json", me.src).href;
  function show(s) {
    var old = document.getElementById("hub-dev-errors");
    if (old) old.remove();
    if (s.ok) return;
    var box = document.createElement("section");
    box.id = "hub-dev-errors";
    box.setAttribute("role", "alert");
    box.setAttribute("aria-label", "Build errors");
    var st = box.style;
    st.position = "fixed"; st.left = "0"; st.right = "0"; st.bottom = "0"; st.zIndex = "2147483647";
    st.maxHeight = "45vh"; st.overflow = "auto"; st.margin = "0"; st.padding = "0.75rem 1rem";
    st.background = "#3b0d0c"; st.color = "#fff"; st.font = "14px/1.45 ui-monospace, Menlo, Consolas, monospace";
    st.boxShadow = "0 -4px 16px rgba(0,0,0,.35)"; st.borderTop = "4px solid #ff6b5e";
    var title = document.createElement("strong");
    title.textContent = s.errors.length + (s.errors.length === 1 ? " problem" : " problems") +
      (s.built ? ": this is the last good build; fix the lines below and save." : ": nothing has built yet; fix the lines below and save.");
    title.style.display = "block"; title.style.marginBottom = "0.4rem";
    var list = document.createElement("ol");
    list.style.margin = "0"; list.style.paddingLeft = "1.5rem";
    s.errors.forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = e;
      li.style.whiteSpace = "pre-wrap";
      list.appendChild(li);
    });
    box.appendChild(title);
    box.appendChild(list);
    document.body.appendChild(box);
  }
  function version(header) {
    var found = /page;desc="?([0-9a-f]+)/.exec(header || "");
    return found && found[1];
  }
  function check() {
    return fetch(status, {cache: "no-store"}).then(function (r) { return r.json(); }).then(show).catch(function () {});
  }
  check();
  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/livereload");
    ws.onopen = function () {
      ws.send(JSON.stringify({command: "hello", protocols: ["http://livereload.com/protocols/official-7"]}));
      ws.send(JSON.stringify({command: "info", url: location.href, plugins: {}}));
      // A rebuild that finished before this socket was listening: is this page still the current one?
      fetch(location.href, {method: "HEAD", cache: "no-store"}).then(function (r) {
        var now = version(r.headers.get("Server-Timing"));
        var mine = (performance.getEntriesByType("navigation")[0] || {}).serverTiming || [];
        var shown = mine.filter(function (t) { return t.name === "page"; }).map(function (t) { return t.description; })[0];
        if (now && shown && now !== shown) location.reload();
        else check();
      }).catch(function () {});
    };
    ws.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.command === "reload") location.reload();
    };
    ws.onclose = function () { setTimeout(connect, 500); };
  }
  if (location.protocol.indexOf("http") === 0) connect();
})();
"""

WAITING_PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Waiting for a good build</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Waiting for a good build</h1>
<p>The content has problems, listed below. Fix them and save: this page reloads by itself.</p></main>
<script src="/_dev/dev.js"></script></body></html>
"""


# What a rebuild needs from the last one ----------------------------------------------

class LiveOutput:
    """The served folder, updated in place: each file replaced atomically, only when its bytes changed.

    The index files are held in memory and served from there (`held`): with a big bank they are
    most of what an edit rewrites (about 130 MB at 10 000 case studies, rewritten whole for one
    changed entry), and nothing but the preview reads them."""

    def __init__(self, out_dir: Path, known: dict[str, str]):
        self.out_dir = out_dir
        self.known = known  # output path -> digest of what is served
        self.held: dict[str, tuple[bytes, ...]] = {}  # output path -> its pieces, for the files served from memory
        self.versions = 0
        self.written: list[str] = []

    def open(self, on_wait=None) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.written = []

    def write(self, rel: str, data: bytes, digest: str | None = None) -> None:
        digest = digest or hashlib.sha1(data).hexdigest()
        if self.known.get(rel) == digest:
            return
        target = self.out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.tmp")  # written in full beside it, then swapped in: one rename
        temp.write_bytes(data)
        os.replace(temp, target)
        self.known[rel] = digest
        self.written.append(rel)

    def copy(self, rel: str, source: Path) -> None:
        self.write(rel, source.read_bytes())

    def opener(self, rel: str) -> HeldFile:
        return HeldFile(self, rel)

    def publish(self) -> None:
        pass

    def close(self) -> None:
        pass

    def remove_others(self, keep: set[str]) -> None:
        """Delete what the last build made and this one did not (a removed case study's page)."""
        for rel in [r for r in self.known if r not in keep and not r.startswith("_dev/")]:
            try:
                (self.out_dir / rel).unlink()
            except FileNotFoundError:
                pass
            del self.known[rel]
            self.held.pop(rel, None)
            self.written.append(rel)


class HeldFile:
    """An index file made for the preview: its pieces held in memory (LiveOutput.held) once it is
    whole, in place of what was served, unless they are byte for byte what is served already.
    Nothing is hashed or joined (at 10 000 case studies that would be 130 MB an edit): close()
    returns the version served, a number that changes only when the bytes do."""

    def __init__(self, live: LiveOutput, rel: str):
        self.live, self.rel, self.parts = live, rel, []

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def close(self) -> str:
        live, parts = self.live, tuple(self.parts)
        self.parts = []
        if live.held.get(self.rel) != parts:
            live.held[self.rel] = parts  # one assignment: a request sees the old file or the new
            live.versions += 1
            live.known[self.rel] = f"held {live.versions}"
            live.written.append(self.rel)
        return live.known[self.rel]


class ServeCache:
    """Kept between rebuilds: each file's validation, each page's fingerprint, what is on disk."""

    def __init__(self, out_dir: Path):
        self.files: dict = {}  # for validate_all: path -> (file state, result)
        self.fingerprints: dict[str, tuple] = {}  # page path -> what it was rendered from
        self.digests: dict[str, str] = {}  # every output path -> digest, as last built
        self.live = LiveOutput(out_dir, {})
        self.pending: dict[str, str] = {}
        self.env = None  # the Jinja environment, kept: it recompiles a template only when its file changed
        self.frame = ""  # what every cached fragment depends on besides its key: skeleton, settings, templates
        self.faces: dict[int, tuple] = {}  # id of a shown model -> (the model, what other pages show of it)

    def output(self, config: Config) -> LiveOutput:
        return self.live

    def environment(self, config: Config):
        if self.env is None:
            from .render import make_environment

            self.env = make_environment(config.templates_dir, kept=True)
        return self.env

    def changed(self, specs, results, config: Config) -> list:
        """The pages whose inputs changed since they were last rendered."""
        digest_of = {r.path: (r.source.digest if r.source else "") + str(len(r.errors)) for r in results}
        skeleton = hashlib.sha1()
        for r in results:
            if r.kind not in ("case-studies", "ideas"):
                skeleton.update(f"{r.path}\0{digest_of[r.path]}\0".encode())
        everything = hashlib.sha1(skeleton.digest())
        for path in sorted(digest_of):
            everything.update(f"{path}\0{digest_of[path]}\0".encode())
        templates = templates_fingerprint(config.templates_dir)
        setting = f"{config.base_url}\0{config.drafts}\0{config.dev}\0{templates}"
        frame = f"{setting}\0{skeleton.hexdigest()}"
        if frame != self.frame and self.env is not None:
            self.env.fragments.clear()  # a tile or card may show a taxonomy's name, a setting, a template
        self.frame = frame
        faces, self.faces = self.faces, {}

        def face(item) -> tuple:  # an unchanged file keeps its model, and so its face
            known = faces.get(id(item))
            if known is None or known[0] is not item:
                known = (item, item.face())
            self.faces[id(item)] = known
            return known[1]

        # A page's fingerprint: a tuple of everything its rendering reads (compared, never hashed).
        todo, self.pending = [], {}
        whole = everything.hexdigest()
        for spec in specs:
            if spec.deps is None:
                fingerprint = (frame, spec.template, whole)
            else:
                fingerprint = (frame, spec.template, *((dep, digest_of.get(dep, "-")) for dep in spec.deps),
                               *(face(item) for item in spec.shows()))
            self.pending[spec.path] = fingerprint
            if self.fingerprints.get(spec.path) != fingerprint or spec.path not in self.digests:
                todo.append(spec)
        return todo

    def rendered(self, specs, files: dict[str, str]) -> dict[str, str]:
        """Every file of the site now: the pages just rendered, and the unchanged ones as they were."""
        for spec in specs:
            if spec.path not in files and spec.path in self.digests:
                files[spec.path] = self.digests[spec.path]
        self.fingerprints = dict(self.pending)
        self.digests = dict(files)
        self.live.remove_others(set(files))
        return files


def templates_fingerprint(folder: Path) -> str:
    h = hashlib.sha1()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


# The server ---------------------------------------------------------------------------

class Preview:
    """The served folder, what the last build said, and the open pages to tell when it changes."""

    def __init__(self, out_dir: Path, host: str, port: int, held: dict[str, tuple[bytes, ...]] | None = None):
        self.out_dir = out_dir
        self.held = {} if held is None else held  # files served from memory (LiveOutput.held)
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"} if host in ("127.0.0.1", "localhost") else {f"{host}:{port}"}
        self.host, self.port = host, port
        self.loop = None
        self.built_once = False
        self.ready = threading.Event()

    def set_status(self, errors: list[str]) -> None:
        (self.out_dir / "_dev").mkdir(parents=True, exist_ok=True)
        status = {"ok": not errors, "errors": errors, "built": self.built_once}
        for name, text in (("dev.js", DEV_SCRIPT), ("status.json", json.dumps(status, sort_keys=True) + "\n")):
            temp = self.out_dir / "_dev" / f".{name}.tmp"
            temp.write_text(text, encoding="utf-8")
            os.replace(temp, self.out_dir / "_dev" / name)

    def reload_pages(self) -> None:
        from livereload.handlers import LiveReloadHandler

        if self.loop is not None:
            self.loop.add_callback(LiveReloadHandler.reload_waiters, "*")

    def start(self) -> None:
        thread = threading.Thread(target=self._run, name="preview-server", daemon=True)
        thread.start()
        self.ready.wait(10)

    def _run(self) -> None:
        import tornado.ioloop
        import tornado.web
        from livereload.handlers import LiveReloadHandler

        asyncio.set_event_loop(asyncio.new_event_loop())
        logging.getLogger("tornado.access").setLevel(logging.ERROR)
        LiveReloadHandler.watcher = SimpleNamespace(filepath="*")  # livereload's handler logs this
        preview = self

        class Guarded:
            def prepare(self):
                if self.request.host not in preview.hosts:
                    self.set_status(403)
                    self.finish("This preview answers only to " + " or ".join(sorted(preview.hosts)) + ".\n")

        class Reload(Guarded, LiveReloadHandler):
            pass

        class Files(Guarded, tornado.web.RequestHandler):
            def get(self, path: str) -> None:
                self.set_header("Cache-Control", "no-store")
                found = preview.read(path)
                if found is None:
                    self.set_status(404)
                    missing = preview.out_dir / "404.html"
                    if missing.is_file():
                        self.set_header("Content-Type", "text/html; charset=utf-8")
                        self.finish(missing.read_bytes())
                    elif not preview.built_once:
                        self.set_status(200)
                        self.set_header("Content-Type", "text/html; charset=utf-8")
                        self.finish(WAITING_PAGE)
                    else:
                        self.finish("Not found\n")
                    return
                name, pieces, from_folder = found
                if from_folder:  # a page's version, which dev.js compares (the held index files have none)
                    self.set_header("Server-Timing", f'page;desc="{hashlib.sha1(pieces[0]).hexdigest()}"')
                kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml"):
                    kind += "; charset=utf-8"
                self.set_header("Content-Type", kind)
                for piece in pieces:
                    self.write(piece)
                self.finish()

            def head(self, path: str) -> None:
                self.get(path)

            def write_error(self, status_code: int, **kwargs) -> None:
                self.finish(f"{status_code}\n")

        app = tornado.web.Application([(r"/livereload", Reload), (r"/(.*)", Files)])
        app.listen(self.port, address=self.host)
        self.loop = tornado.ioloop.IOLoop.current()
        self.ready.set()
        self.loop.start()

    def read(self, url_path: str) -> tuple[str, tuple[bytes, ...], bool] | None:
        """(name, its bytes in pieces, whether it is from the folder) of the file a request path names,
        held in memory or in the served folder; None if there is none (never outside the folder,
        never an exception)."""
        path = unquote(url_path.split("?", 1)[0])
        if "\x00" in path or "\\" in path:
            return None
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if ".." in parts or any(p.startswith(".") and p != ".well-known" for p in parts):
            return None
        held = self.held.get("/".join(parts))
        if held is not None:
            return parts[-1], held, False
        target = self.out_dir.joinpath(*parts)
        try:
            if target.is_dir():
                target = target / "index.html"
            return (target.name, (target.read_bytes(),), True) if target.is_file() else None
        except (OSError, ValueError):
            return None


# The loop -----------------------------------------------------------------------------

def watch(root: Path, changes: queue.Queue, stop: threading.Event, watching: threading.Event) -> None:
    """Put each batch of file changes under content/, templates/ and assets/ on the queue.

    `watching` is set once the OS is watching (the first timeout comes after that).
    """
    import watchfiles

    def wanted(change, path: str) -> bool:
        return not is_scratch(os.path.basename(path))

    folders = [str(root / f) for f in ("content", "templates", "assets") if (root / f).is_dir()]
    for batch in watchfiles.watch(*folders, watch_filter=wanted, debounce=400, step=8, stop_event=stop,
                                  rust_timeout=200, yield_on_timeout=True, raise_interrupt=False):
        watching.set()
        if batch:
            changes.put(batch)


def changed_names(batch: set, root: Path) -> list[str]:
    """The files a batch of changes names, from the root; not a file that came and went within it
    (the temporary file of an editor or of `sed -i`, gone before a build could read it)."""
    from watchfiles import Change

    kinds: dict[str, set] = {}
    for change, path in batch:
        kinds.setdefault(path, set()).add(change)
    return sorted(os.path.relpath(path, root) for path, seen in kinds.items()
                  if not ({Change.added, Change.deleted} <= seen and not os.path.lexists(path)))


def serve(build, root: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = True) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="hub-serve-"))
    out = workdir / "site"
    out.mkdir()
    config = Config(root, out, drafts=drafts, dev=True)
    cache = ServeCache(out)
    preview = Preview(out, host, port, cache.live.held)

    def rebuild(reason: str) -> None:
        started = time.perf_counter()
        try:
            built = build(config, cache=cache)
        except BuildError as exc:
            lines = [str(e) for e in exc.errors]
            preview.set_status(lines)
            print("\n".join(lines), file=sys.stderr)
            kept = "the last good build stays in the browser" if preview.built_once else "nothing has built yet"
            print(f"{len(lines)} problem{'s' if len(lines) != 1 else ''} ({kept}; they are shown over the page).",
                  file=sys.stderr, flush=True)
        except OutputError as exc:
            preview.set_status([str(exc)])
            print(f"serve: {exc}", file=sys.stderr, flush=True)
        else:
            preview.built_once = True
            preview.set_status([])
            seconds = time.perf_counter() - started
            if reason == "Caught up" and not cache.live.written:
                return
            print(f"{reason}: {len(cache.live.written)} file{'s' if len(cache.live.written) != 1 else ''} updated "
                  f"of {len(built.files)} in {seconds * 1000:.0f} ms.", flush=True)
        preview.reload_pages()

    preview.set_status([])
    rebuild("Built")
    changes: queue.Queue = queue.Queue()
    stop, watching = threading.Event(), threading.Event()
    watcher = threading.Thread(target=watch, args=(root, changes, stop, watching), name="watcher", daemon=True)
    watcher.start()
    watching.wait(10)
    changes.put(set())  # what changed while the watcher was starting is taken by a first (cheap) rebuild
    try:
        preview.start()
    except OSError as exc:
        print(f"serve: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        stop.set()
        shutil.rmtree(workdir, ignore_errors=True)
        return 1
    print(f"Serving on http://{host}:{port}/index.html (Ctrl-C to stop). Drafts are "
          f"{'shown, marked Draft' if drafts else 'left out'}.", flush=True)
    try:
        while True:
            batch = changes.get()
            while True:  # take every change that is waiting: the rebuild sees the last save
                try:
                    batch |= changes.get_nowait()
                except queue.Empty:
                    break
            names = changed_names(batch, root)
            if not names:
                rebuild("Caught up")
                continue
            rebuild("Changed " + ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else ""))
            if changed_since(cache.files):  # saved again while it was being read: build that too
                changes.put(set())
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
