#!/usr/bin/env python3
"""Benchmark: the case study database's filter with N synthetic case studies, in Chromium (not a test).

    .venv/bin/python bench/filter_bench.py            # N = 10 000
    .venv/bin/python bench/filter_bench.py 1000 10000

For each N it builds the synthetic tree of bench/build_bench.py, serves it on 127.0.0.1,
opens case-studies/index.html in Debian's Chromium and times, in the page, each step of a
script of filter changes: from the checkbox's click to the end of the next frame (the
change handler, the facet counts, the list reordered, style, layout and paint), i.e.
what a reader waits for, and its three parts (the change's script, the wait for the
frame to begin, the frame's style, layout and paint; the parts' medians need not add up to
the whole's). Also one search keystroke and a switch to the table view. Reports the median
and the worst of each kind, in ms.

The clicks come one after another, each as soon as the last one's frame is painted: a click
may then share its frame with what the last one left for the browser's idle moments (the
rest of the list). `--pause 300` clicks at a reader's pace instead, 300 ms apart.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import build  # noqa: E402
from build_bench import make_tree  # noqa: E402
from hub.config import Config  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

# Checkbox ids in the order a reader might click them (each click toggles).
STEPS = ["cs-opportunity-planning", "cs-opportunity-training", "cs-enabler-space", "cs-place-charity",
         "cs-country-scotland", "cs-country-scotland", "cs-place-charity", "cs-enabler-space",
         "cs-opportunity-training", "cs-opportunity-planning", "cs-card-yes", "cs-card-yes"]

# The click's time, and its three parts: the change's own script (the click handler: filter,
# counts, the DOM), the wait for the next frame to begin, and that frame (style, layout, paint,
# until the next task can run).
TIME_CLICK = """async (id) => {
  const box = document.getElementById(id);
  const t0 = performance.now();
  box.click();
  const t1 = performance.now();
  let t2;
  await new Promise(r => requestAnimationFrame(() => { t2 = performance.now(); setTimeout(r, 0); }));
  const t3 = performance.now();
  return [t3 - t0, t1 - t0, t2 - t1, t3 - t2];
}"""

TIME_TYPE = """async (text) => {
  const input = document.getElementById('cs-q');
  const t0 = performance.now();
  input.value = text;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
}"""

TIME_VIEW = """async () => {
  const t0 = performance.now();
  document.getElementById('view-table').click();
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
}"""


def point_links_at_the_bank(root: Path) -> None:
    """The guide and the report link to real case studies, which the synthetic bank replaces: link its first."""
    for md in (root / "content").rglob("*.md"):
        if md.parent.name != "case-studies":
            text = md.read_text()
            fixed = re.sub(r"case-studies/(?!synthetic-)[a-z0-9-]+/index\.html", "case-studies/synthetic-case-study-1/index.html", text)
            if fixed != text:
                md.write_text(fixed)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):  # a closed page, not a fault
            super().handle_error(request, client_address)


def serve(folder: Path):
    handler = functools.partial(Quiet, directory=str(folder))
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure(url: str, rounds: int, pause: int = 0) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"load": [], "click": [], "script": [], "wait": [], "frame": [], "type": [], "table": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for _ in range(rounds):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url)
            page.wait_for_function("window.HubDatabase !== undefined")
            out["load"].append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            page.wait_for_timeout(1000)  # let the first layout after load finish, as it has by a reader's first click
            for step in STEPS:
                if pause:
                    page.wait_for_timeout(pause)
                for key, value in zip(("click", "script", "wait", "frame"), page.evaluate(TIME_CLICK, step)):
                    out[key].append(value)
            for text in ("r", "re", "rel", "rela", "relat"):
                out["type"].append(page.evaluate(TIME_TYPE, text))
            page.evaluate(TIME_TYPE, "")
            out["table"].append(page.evaluate(TIME_VIEW))
            page.close()
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[10000])
    parser.add_argument("--rounds", type=int, default=3, help="fresh page loads per N")
    parser.add_argument("--pause", type=int, default=0, help="ms between clicks (default: none, one after another)")
    args = parser.parse_args()
    print(f"{'N':>7} {'what':>32} {'median ms':>10} {'worst ms':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            root = make_tree(n, Path(tmp))
            point_links_at_the_bank(root)
            built = build.build(Config(root, root / "site"))
            server = serve(built.out_dir)
            try:
                url = f"http://127.0.0.1:{server.server_address[1]}/case-studies/index.html"
                times = measure(url, args.rounds, args.pause)
            finally:
                server.shutdown()
            labels = {"click": "checkbox -> list painted", "script": "of which: the change's script",
                      "wait": "waiting for the frame", "frame": "the frame (style, layout, paint)",
                      "type": "keystroke -> list painted",
                      "table": "grid -> table (first)", "load": "page load (loadEventEnd)"}
            for key, label in labels.items():
                values = times[key]
                print(f"{n:>7} {label:>32} {statistics.median(values):>10.1f} {max(values):>9.1f}", flush=True)


if __name__ == "__main__":
    main()
