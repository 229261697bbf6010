#!/usr/bin/env python3
"""Benchmark: Lighthouse (mobile) on every page type of the real hub (not a test).

    .venv/bin/python bench/lighthouse.py                 # every page type, once
    .venv/bin/python bench/lighthouse.py --runs 3        # the median of 3 runs per page
    .venv/bin/python bench/lighthouse.py --gzip          # served compressed, as a static host does

It builds the real hub into a temporary folder, serves it with Python's http.server on
127.0.0.1 (identity encoding unless --gzip), runs Lighthouse with its default mobile
settings (simulated slow 4G, 4x CPU slowdown) against Debian's Chromium on each page
type, and prints the four category scores as Lighthouse shows them (0-100), the Largest
Contentful Paint, Total Blocking Time, Cumulative Layout Shift, and the bytes the page
transferred before any interaction (Lighthouse's total-byte-weight). Exits 1 if any
score is below 100. Lighthouse is slow and machine-dependent: this is a benchmark, never
a test; run it on a quiet machine.

Lighthouse comes from npm: LIGHTHOUSE names its command, else the first of `lighthouse`
on PATH and /tmp/eleventy/node_modules/.bin/lighthouse (`npm install lighthouse` in a
folder outside the repository). CHROME_PATH names the browser (default /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import build  # noqa: E402
from hub.config import Config  # noqa: E402
from hub.urls import case_study_url, idea_url, step_url  # noqa: E402

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-quic"
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt")


def page_types(site) -> list[tuple[str, str]]:
    """(name, path from the site root) of each page type; one of each collection, the first."""
    pages = [("home", "index.html"), ("database", "case-studies/index.html"),
             ("table view", "case-studies/index.html?view=table"),
             ("case study", case_study_url(site.case_studies[0])), ("deck", "cards/index.html")]
    if site.guide:
        pages.append(("guide step", step_url(site.guide[0])))
    if site.report:
        pages.append(("London", "london/index.html"))
    if site.ideas:
        pages.append(("idea", idea_url(site.ideas[0])))
    pages.append(("Heatmap", "heatmap/index.html"))
    return pages


class Handler(http.server.SimpleHTTPRequestHandler):
    """http.server, quiet; with compress set, text is sent gzipped to a client that accepts it."""

    compress = False

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (self.compress and accepts and path.suffix in COMPRESSIBLE and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Bytes(body)


class _Bytes:
    """A file-like body for send_head's caller (copyfile, then close)."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self, n: int = -1) -> bytes:
        data, self.data = (self.data, b"") if n < 0 else (self.data[:n], self.data[n:])
        return data

    def close(self) -> None:
        pass


def serve(folder: Path, compress: bool) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(type("Site", (Handler,), {"compress": compress}), directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def lighthouse_command() -> str:
    found = os.environ.get("LIGHTHOUSE") or shutil.which("lighthouse") or "/tmp/eleventy/node_modules/.bin/lighthouse"
    if not Path(found).exists() and not shutil.which(found):
        sys.exit(f"Lighthouse not found ({found}): npm install lighthouse in a folder outside the repository, "
                 "and set LIGHTHOUSE to its node_modules/.bin/lighthouse")
    return found


def run_lighthouse(command: str, url: str, report: Path) -> dict:
    """One Lighthouse run (mobile, the four categories); its JSON report."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run([command, url, f"--chrome-flags={CHROME_FLAGS}", "--output=json", f"--output-path={report}",
                    "--only-categories=" + ",".join(CATEGORIES), "--quiet"],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return json.loads(report.read_text())


def figures(report: dict) -> dict:
    """Scores as Lighthouse shows them (0-100) and the metrics of one report."""
    audits = report["audits"]
    out = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    out["lcp"] = audits["largest-contentful-paint"]["numericValue"] / 1000
    out["tbt"] = audits["total-blocking-time"]["numericValue"]
    out["cls"] = audits["cumulative-layout-shift"]["numericValue"]
    out["bytes"] = audits["total-byte-weight"]["numericValue"]
    out["failing"] = sorted(key for key, a in audits.items()
                            if a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
                            and a.get("score") is not None and a["score"] < 1)
    return out


def median_run(runs: list[dict]) -> dict:
    """The run with the median performance score (its own metrics, so they belong together)."""
    ordered = sorted(runs, key=lambda r: (r["performance"], -r["lcp"]))
    chosen = dict(ordered[len(ordered) // 2])
    for c in CATEGORIES:  # the other categories do not vary between runs; report their worst
        if c != "performance":
            chosen[c] = min(r[c] for r in runs)
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (the median is shown)")
    parser.add_argument("--gzip", action="store_true", help="serve text gzipped, as static hosts do")
    parser.add_argument("--only", action="append", help="only this page type (repeatable)")
    parser.add_argument("--reports", type=Path, help="keep each JSON report in this folder")
    parser.add_argument("--verbose", action="store_true", help="name the audits that did not pass")
    args = parser.parse_args()
    command = lighthouse_command()
    load = os.getloadavg()[0]
    print(f"load average {load:.2f}{' (busy: figures are less reliable)' if load >= 1.5 else ''}; "
          f"served {'gzipped' if args.gzip else 'uncompressed'}", flush=True)
    below = []
    with tempfile.TemporaryDirectory() as tmp:
        built = build.build(Config(ROOT, Path(tmp) / "site"))
        server = serve(built.out_dir, args.gzip)
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        reports = args.reports or Path(tmp)
        reports.mkdir(parents=True, exist_ok=True)
        print(f"| page | perf | a11y | best practices | SEO | LCP | TBT | CLS | transferred |")
        print(f"| --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
        try:
            for name, path in page_types(built.site):
                if args.only and name not in args.only:
                    continue
                runs = []
                for i in range(args.runs):
                    report = reports / f"{name.replace(' ', '-')}-{i + 1}.json"
                    runs.append(figures(run_lighthouse(command, base + path, report)))
                r = median_run(runs)
                print(f"| {name} | {r['performance']} | {r['accessibility']} | {r['best-practices']} | {r['seo']} "
                      f"| {r['lcp']:.2f} s | {r['tbt']:.0f} ms | {r['cls']:.3f} | {r['bytes'] / 1000:.1f} KB |", flush=True)
                if args.verbose and r["failing"]:
                    print(f"|   not passed: {', '.join(r['failing'])}", flush=True)
                below += [f"{name}: {c} {r[c]}" for c in CATEGORIES if r[c] < 100]
        finally:
            server.shutdown()
    if below:
        print("Below 100: " + "; ".join(below))
        return 1
    print("Every page type scores 100 in all four categories.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
