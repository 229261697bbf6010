#!/usr/bin/env python3
"""Build speed side by side with Hugo and Eleventy, on the corpus they build (../shared/bench/compare.py).

    .venv/bin/python bench/peers.py setup 100 1000 10000    # the corpus and the three sites, in $BENCH_DIR
    .venv/bin/python bench/peers.py run 10000 eleventy      # hub vs Eleventy, alternating cold runs
    .venv/bin/python bench/peers.py run 100 hugo --runs 5
    .venv/bin/python bench/peers.py real hugo               # the real hub (this checkout) vs Hugo at N=100

`setup` runs compare.py's setup, then repairs one thing in the hub's copy: compare.py's
to_hub.py replaces the case studies with the synthetic ones and points the London ideas'
citations at the first of them, but the guide and the report also link to real case
studies in their text (AO, Timpson...). Those links are pointed at the first synthetic case
study too, as the citations are, so the hub's copy builds (the hub refuses a broken link).
`run` is compare.py's run. `real` times cold builds of this checkout's real hub against the
other tool at N=100, alternating, as compare.py does.

Needs Debian's hugo (apt-get install hugo) and Eleventy 3.1.7 in $ELEVENTY_DIR (default
/tmp/eleventy: npm install @11ty/eleventy@3.1.7). Use a tmpfs for BENCH_DIR (/dev/shm/...).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPARE = ROOT.parent / "shared" / "bench" / "compare.py"
BENCH = Path(os.environ.get("BENCH_DIR", "/tmp/hub-bench"))
LINK = re.compile(r"(\.\./)+case-studies/([a-z0-9-]+)/index\.html|\bcase-studies/([a-z0-9-]+)\.md")


def compare(*args: str) -> None:
    subprocess.run([sys.executable, str(COMPARE), *args], cwd=ROOT, check=True)


def repair(project: Path) -> int:
    """Point links to case studies the synthetic bank lacks at its first case study. Returns how many."""
    studies = sorted(p.stem for p in (project / "content" / "case-studies").glob("*.md"))
    first, known, count = studies[0], set(studies), 0
    for path in sorted((project / "content").rglob("*.md")):
        if path.parent.name == "case-studies":
            continue
        text = path.read_text(encoding="utf-8")

        def swap(match: re.Match) -> str:
            nonlocal count
            slug = match.group(2) or match.group(3)
            if slug in known:
                return match.group(0)
            count += 1
            return match.group(0).replace(slug, first)

        fixed = LINK.sub(swap, text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")
    return count


def setup(sizes: list[str]) -> None:
    compare("setup", *sizes)
    for n in sizes:
        project = BENCH / n / "hub"
        print(f"N={n}: pointed {repair(project)} links at the first synthetic case study")
        check = subprocess.run([str(ROOT / ".venv/bin/python"), str(ROOT / "build.py"), "check", "--root", str(project)],
                               capture_output=True, text=True)
        if check.returncode:
            sys.exit(f"the hub's copy at N={n} does not build:\n{check.stderr[-3000:]}")


def real(other: str, runs: int) -> None:
    """Cold whole-process builds: the real hub against `other` at N=100, alternating."""
    sys.path.insert(0, str(COMPARE.parent))
    import compare as peers  # noqa: E402 - compare.py's own timing

    work = Path(tempfile.mkdtemp(prefix="real-hub-", dir=str(BENCH) if BENCH.is_dir() else None))
    for folder in ("content", "templates", "assets"):
        shutil.copytree(ROOT / folder, work / folder)
    argv = [str(ROOT / ".venv/bin/python"), str(ROOT / "build.py"), "--root", str(work), "--out", str(work / "site")]
    # As bin/setup does: a module edited since (with PYTHONDONTWRITEBYTECODE set) would be compiled at every run.
    subprocess.run([argv[0], "-m", "compileall", "-q", "hub", "build.py"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    def hub_once() -> float:
        shutil.rmtree(work / "site", ignore_errors=True)
        os.sync()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        import time

        start = time.perf_counter()
        _, status, _ = os.wait4(proc.pid, 0)
        if status:
            sys.exit(proc.stderr.read().decode())
        return time.perf_counter() - start

    hub_once()
    peers.once(other, 100)
    hub, oth = [], []
    for _ in range(runs):
        hub.append(hub_once())
        oth.append(peers.once(other, 100)[0])
    ratios = [a / b for a, b in zip(hub, oth)]
    print(f"real hub {statistics.median(hub):.2f} s  {other} N=100 {statistics.median(oth):.2f} s  "
          f"real hub/{other} {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}, {runs} pairs)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    if sys.argv[1] == "setup":
        setup([a for a in sys.argv[2:] if a.isdigit()])
    elif sys.argv[1] == "run":
        compare("run", sys.argv[2], sys.argv[3], "--runs", str(runs))
    elif sys.argv[1] == "real":
        real(sys.argv[2], runs)
    else:
        sys.exit(__doc__)
