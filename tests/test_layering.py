"""The one direction of data flow: the core never imports the web layer or the CLI."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

# Every module outside web/ except the CLI, which sits on top of everything.
CORE = sorted(p.stem for p in (ROOT / "src" / "s2s_graph").glob("*.py")
              if p.stem not in ("__init__", "__main__", "cli"))


def test_the_core_module_list_is_complete():
    assert {"settings", "sources", "validation", "published", "sparql", "display"} <= set(CORE)


def test_core_modules_import_neither_flask_nor_the_cli():
    code = (
        "import sys\n"
        + "".join(f"import s2s_graph.{m}\n" for m in CORE)
        + "bad = [m for m in sys.modules if m == 'flask' or m.startswith('s2s_graph.web')"
        " or m == 's2s_graph.cli' or m == 'click']\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == ""


def test_importing_the_package_has_no_side_effects():
    code = "import sys, s2s_graph\nprint(sorted(m for m in sys.modules if m.startswith('s2s_graph')))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "['s2s_graph']"
