"""Data safety: a build writes to a fresh folder and swaps it in whole, so a build killed at
any moment leaves the previous output intact and complete; the next build cleans up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import snapshot

pytestmark = pytest.mark.slow


def build(root: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "s2s_graph", "--project-root", str(root),
                             "build", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_killed_build_leaves_the_previous_output_whole(project_copy: Path, tmp_path: Path):
    out = tmp_path / "dist"
    assert build(project_copy, out).wait(timeout=120) == 0
    before = snapshot(out)
    agent = project_copy / "data" / "agent.ttl"
    agent.write_text(agent.read_text(encoding="utf-8").replace(
        "The project that publishes", "The open-data project that publishes"), encoding="utf-8")
    assert build(project_copy, tmp_path / "reference").wait(timeout=120) == 0
    after = snapshot(tmp_path / "reference")
    assert after != before

    outcomes = []
    for delay in (0.3, 0.6, 0.9, 1.1, 1.3, 1.5, 1.8, 2.2):
        process = build(project_copy, out)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        now = snapshot(out)
        assert now in (before, after), f"killed after {delay} s: output is neither old nor new"
        outcomes.append("old" if now == before else "new")
        if now == after:
            assert build(project_copy, out).wait(timeout=120) == 0  # keep testing the swap
            before = after
    assert build(project_copy, out).wait(timeout=120) == 0
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".dist-")]
    assert leftovers == [], "the next build removes what killed builds left"
    print("outputs after each kill:", outcomes)


def test_the_server_never_writes_to_its_sources(server):
    """The guard in the server refuses writes outside temporary files; the sources of the
    running server are untouched after it has answered requests."""
    from conftest import ROOT

    sources = {p: p.stat().st_mtime_ns for folder in ("data", "ontology", "shapes")
               for p in (ROOT / folder).rglob("*") if p.is_file()}
    from test_server_e2e import get

    for path in ("/", "/doc/organisation/essex-police", "/download/dataset.ttl", "/matrix"):
        assert get(server + path)[0] == 200
    assert {p: p.stat().st_mtime_ns for p in sources} == sources
    assert os.access(ROOT / "data", os.W_OK)  # the guard, not file permissions, is the backstop
