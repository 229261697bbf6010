#!/usr/bin/env python3
"""Benchmark: a cold full build of N synthetic case studies (not a test).

    .venv/bin/python bench/build_bench.py 100 1000 10000

For each N it writes a content tree (the real taxonomies, guide, London report and
pages, plus N synthetic case studies of ~300 words of Markdown each, a third with a
card), builds it in a fresh process, and reports wall time, ms per page and peak
memory (ru_maxrss of the build process). Each N runs `--repeat` times (default 3);
the median is reported. Identical runs differ by 10-30 % on these machines.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("relationship trust neighbour community staff people service council charity school "
         "support together listening time space kindness mutual learning care honest open "
         "connection belonging practice change local shared everyday").split()

RUNNER = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
start = time.perf_counter()
import build
from hub.config import Config
from pathlib import Path
root = Path(sys.argv[2])
built = build.build(Config(root, root / "site"))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "pages": built.pages,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def paragraph(rng, sentences=5):
    return " ".join(sentence(rng, rng.randint(8, 16)) for _ in range(sentences))


PLACES = ["Charity", "Business", "Council", "School", "Social Enterprise", "Network"]
SECTORS = ["Community", "Health", "Education", "Housing", "Food", "Mental Health", "Youth", "Elderly"]
LOCATIONS = ["Leeds, England", "Glasgow, Scotland", "Cardiff, Wales", "Belfast, Northern Ireland", "Various, UK", "Amsterdam, The Netherlands"]


def case_study(rng: random.Random, i: int, opportunities, enablers, benefits) -> str:
    notes = "\n".join(f"  {k}: >-\n    {sentence(rng, 14)}" for k in rng.sample(opportunities, rng.randint(2, 6)))
    card = ""
    if i % 3 == 0:
        card = "cards:\n  - title: Synthetic %d\n    tagline: %s\n    overview: |-\n      %s\n\n      %s\n    spotlight: %s\n" % (
            i, sentence(rng, 10), paragraph(rng, 2), paragraph(rng, 2), sentence(rng, 12))
        card += "    keywords: [One, two, three]\n    benefits:\n"
        card += "".join(f"      - category: {b}\n        text: {sentence(rng, 5)}\n" for b in rng.sample(benefits, 3))
        card += "    enablers:\n"
        card += "".join(f"      - enabler: {e}\n        text: {sentence(rng, 6)}\n" for e in rng.sample(enablers, 3))
        card += f"    key_learning: {sentence(rng, 12)}\n"
    body = "\n\n".join(paragraph(rng) for _ in range(4))
    return textwrap.dedent(f"""\
        ---
        title: Synthetic case study {i}
        number: {i}
        type_of_place: [{rng.choice(PLACES)}]
        sectors: [{", ".join(rng.sample(SECTORS, 2))}]
        location: {rng.choice(LOCATIONS)}
        summary: >-
          {paragraph(rng, 3)}
        spotlight: >-
          {sentence(rng, 18)}
        opportunities:
        """) + notes + "\n" + card + "---\n## The story\n\n" + body + "\n"


def make_tree(n: int, where: Path) -> Path:
    import yaml

    root = where / f"n{n}"
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "assets", root / "assets")
    content = root / "content"
    for sub in ("taxonomies", "guide", "london", "pages"):
        shutil.copytree(ROOT / "content" / sub, content / sub)
    shutil.copy(ROOT / "content" / "site.yaml", content / "site.yaml")
    # The report's ideas cite real case studies; the synthetic bank replaces them.
    for idea in (content / "london" / "ideas").glob("*.md"):
        text = idea.read_text()
        idea.write_text(__import__("re").sub(r"(?m)^case_studies:.*$", "case_studies: [synthetic-case-study-1]", text))
    tax = lambda name: [t["key"] for t in yaml.safe_load((content / "taxonomies" / f"{name}.yaml").read_text())]
    opportunities, enablers, benefits = tax("opportunities"), tax("enablers"), tax("benefits")
    rng = random.Random(n)
    folder = content / "case-studies"
    folder.mkdir()
    for i in range(1, n + 1):
        (folder / f"synthetic-case-study-{i}.md").write_text(case_study(rng, i, opportunities, enablers, benefits))
    return root


def run(root: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", RUNNER, str(ROOT), str(root)], capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'N':>7} {'pages':>7} {'wall s':>8} {'ms/page':>8} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            root = make_tree(n, Path(tmp))
            runs = [run(root) for _ in range(args.repeat)]
            seconds = statistics.median(r["seconds"] for r in runs)
            peak = max(r["peak_mb"] for r in runs)
            pages = runs[0]["pages"]
            print(f"{n:>7} {pages:>7} {seconds:>8.2f} {1000 * seconds / pages:>8.2f} {peak:>8.0f}", flush=True)
            shutil.rmtree(root)


if __name__ == "__main__":
    main()
