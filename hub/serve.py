"""`python build.py serve`: build into a temporary folder, serve it, rebuild on change.

A failed rebuild keeps the last good build in place, prints the errors, and
writes them to `_dev/status.json`, which the dev script shows in the browser.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .config import Config
from .errors import BuildError

DEV_SCRIPT = """(function () {
  "use strict";
  var me = document.currentScript;
  var status = new URL("status.json", me.src).href;
  fetch(status, {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
    if (s.ok) return;
    var box = document.createElement("div");
    box.setAttribute("role", "alert");
    box.className = "dev-error";
    var title = document.createElement("strong");
    title.textContent = "The last rebuild failed; you are seeing the last good build.";
    var pre = document.createElement("pre");
    pre.textContent = s.errors.join("\\n");
    box.appendChild(title);
    box.appendChild(pre);
    document.body.insertBefore(box, document.body.firstChild);
  }).catch(function () {});
})();
"""


def dev_files(errors: list[str] | None = None) -> dict[str, str]:
    """The files only a `serve` build has: the error script and its status."""
    status = {"ok": not errors, "errors": errors or []}
    return {"_dev/dev.js": DEV_SCRIPT, "_dev/status.json": json.dumps(status, sort_keys=True) + "\n"}


def serve(build, root: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False) -> int:
    from livereload import Server

    workdir = Path(tempfile.mkdtemp(prefix="hub-serve-"))
    out = workdir / "site"
    config = Config(root, out, drafts=drafts, dev=True)

    def rebuild() -> None:
        started = time.perf_counter()
        try:
            built = build(config)
        except BuildError as exc:
            lines = [str(e) for e in exc.errors]
            print("\n".join(lines), file=sys.stderr)
            print(f"Rebuild failed ({len(lines)} problems); still serving the last good build.", file=sys.stderr)
            if out.is_dir():
                (out / "_dev").mkdir(exist_ok=True)
                (out / "_dev" / "status.json").write_text(dev_files(lines)["_dev/status.json"])
            return
        print(f"Rebuilt {built.pages} pages in {time.perf_counter() - started:.2f} s.")

    rebuild()
    if not out.is_dir():
        print("The first build failed; fix the errors above and run serve again.", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
        return 1
    server = Server()
    for folder in ("content", "templates", "assets"):
        server.watch(str(root / folder), rebuild, delay=0.3)
    print(f"Serving on http://{host}:{port}/index.html (Ctrl-C to stop)")
    try:
        server.serve(host=host, port=port, root=str(out), open_url_delay=None, restart_delay=0)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
