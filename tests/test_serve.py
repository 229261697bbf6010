"""`build.py serve`: live rebuilds, and a failed rebuild keeps the last good build and shows the error."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import GOOD_CASE_STUDY, ROOT, make_project


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def wait_for(predicate, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


@pytest.fixture
def served(tmp_path):
    root = make_project(tmp_path, {"case-studies/acme.md": GOOD_CASE_STUDY})
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port), "--root", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        assert wait_for(lambda: "Acme Trust" in get(base + "case-studies/acme/index.html")), "serve did not start"
        yield root, base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.browser
def test_serve_rebuilds_and_keeps_the_last_good_build_on_error(served, page):
    root, base = served
    source = root / "content" / "case-studies" / "acme.md"
    text = source.read_text()

    source.write_text(text.replace("title: Acme Trust", "title: Acme Trust Renamed"))
    assert wait_for(lambda: "Acme Trust Renamed" in get(base + "case-studies/acme/index.html"))

    source.write_text(text.replace("[Health]", "[Helth]"))
    assert wait_for(lambda: not json.loads(get(base + "_dev/status.json"))["ok"])
    status = json.loads(get(base + "_dev/status.json"))
    assert status["errors"] == ["content/case-studies/acme.md:5: sectors[0]: 'Helth' is not a known sector "
                                "(see content/taxonomies/sectors.yaml); did you mean 'Health'?"]
    assert "Acme Trust Renamed" in get(base + "case-studies/acme/index.html")  # the last good build

    page.goto(base + "case-studies/acme/index.html")
    banner = page.get_by_role("alert")
    banner.wait_for()
    assert "The last rebuild failed" in banner.inner_text() and "'Helth'" in banner.inner_text()

    source.write_text(text)
    assert wait_for(lambda: json.loads(get(base + "_dev/status.json"))["ok"])
    assert "Acme Trust Renamed" not in get(base + "case-studies/acme/index.html")
