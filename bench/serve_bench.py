#!/usr/bin/env python3
"""Preview latency: from saving a file to Chromium showing the rebuilt page, through `build.py serve`.

    .venv/bin/python bench/serve_bench.py                   # the real hub (a copy), 20 saves
    .venv/bin/python bench/serve_bench.py --saves 40
    .venv/bin/python bench/serve_bench.py --project /dev/shm/hub-bench/10000/hub   # a big bank (a copy is edited)

A copy of the project is served (the checkout is never edited). One case study page is
open in Chromium; each save changes that case study's summary to carry a new marker, and
the time runs from just before the write to the moment the reloaded page's DOM (reported
by the page itself, on the same clock) contains the marker. Then bursts: five saves 20 ms
apart, where the page must end on the last one. Prints every figure, the median and the
worst, and whether any save was dropped. A benchmark, never a test: figures vary by machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_project(source: Path, into: Path) -> Path:
    project = into / "project"
    for folder in ("content", "templates", "assets"):
        shutil.copytree(source / folder, project / folder)
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=ROOT, help="project to copy and serve (default: this checkout)")
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--slug", help="the case study to edit (default: the first file)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="serve-bench-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    project = copy_project(args.project, work)
    slug = args.slug or sorted((project / "content" / "case-studies").glob("*.md"))[0].stem
    source = project / "content" / "case-studies" / f"{slug}.md"
    original = source.read_text(encoding="utf-8")
    if not re.search(r"(?m)^summary: ", original):
        sys.exit(f"{source} has no one-line 'summary:' to edit")
    port = free_port()
    log = open(work / "serve.log", "w")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port), "--root", str(project)],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    page_url = f"{base}case-studies/{slug}/index.html"
    try:
        while True:
            try:
                urllib.request.urlopen(page_url, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - started > 600:
                    sys.exit("serve did not start; see " + str(work / "serve.log"))
                time.sleep(0.1)
        print(f"serve ready in {time.perf_counter() - started:.1f} s ({project})")
        seen: list[tuple[float, str]] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.expose_binding("hubBenchReport", lambda _source, at, text: seen.append((at, text)))
            page.add_init_script("document.addEventListener('DOMContentLoaded', () => "
                                 "window.hubBenchReport(performance.timeOrigin + performance.now(), document.body.innerText))")
            page.goto(page_url)
            page.wait_for_timeout(1000)

            def save(marker: str) -> float:
                text = re.sub(r"(?m)^summary: .*$", f"summary: Bench marker {marker}.", original, count=1)
                at = time.time() * 1000
                source.write_text(text, encoding="utf-8")
                return at

            def shown(marker: str, since: int, timeout: float = 10.0) -> float | None:
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    for at, text in seen[since:]:
                        if f"Bench marker {marker}." in text:
                            return at
                    page.wait_for_timeout(2)
                return None

            latencies, dropped = [], 0
            for i in range(args.saves):
                since = len(seen)
                at = save(f"s{i}")
                done = shown(f"s{i}", since)
                if done is None:
                    dropped += 1
                    print(f"save {i + 1}: not shown within 10 s")
                else:
                    latencies.append(done - at)
                page.wait_for_timeout(300)
            burst_times, burst_dropped = [], 0
            for b in range(args.bursts):
                since = len(seen)
                first = None
                for k in range(5):
                    at = save(f"b{b}-{k}")
                    first = first or at
                    time.sleep(0.02)
                done = shown(f"b{b}-4", since)
                if done is None:
                    burst_dropped += 1
                else:
                    burst_times.append(done - first)
                page.wait_for_timeout(300)
            browser.close()
    finally:
        source.write_text(original, encoding="utf-8")
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    print(f"saves: {len(latencies)} shown, {dropped} dropped")
    print("each (ms): " + " ".join(f"{x:.0f}" for x in latencies))
    if latencies:
        print(f"save -> page shown: median {statistics.median(latencies):.0f} ms, worst {max(latencies):.0f} ms, "
              f"best {min(latencies):.0f} ms")
    print(f"bursts of 5 saves 20 ms apart: {len(burst_times)} ended on the last save, {burst_dropped} did not"
          + (f"; first save -> last shown: median {statistics.median(burst_times):.0f} ms" if burst_times else ""))
    shutil.rmtree(work, ignore_errors=True)
    return 1 if dropped or burst_dropped else 0


if __name__ == "__main__":
    sys.exit(main())
