"""Fuzz the running server against its own OpenAPI description with schemathesis (from
PyPI): thousands of generated requests, valid and invalid, must get no 5xx and no response
that breaks the description (status, content type, headers, body schema), and requests that
break the description must be refused.

Not checked: schemathesis's "positive data acceptance", which expects every request the
JSON Schema allows to succeed. A query parameter or body that is a string in the schema can
still be bad SPARQL or bad RDF, which the protocol answers with 400; JSON Schema cannot say
what SPARQL's or Turtle's grammar allows.

Not run: schemathesis's stateful phase. Our description has one link between operations
(inferred from the 303 Location of /id/), and the phase spent over five minutes of CPU in
schemathesis itself on it, where the fuzzing phase tries every operation with as many
requests in half the time; the suite must stay within its time budget.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = os.environ.get("S2S_FUZZ_EXAMPLES", "300")
LOG = ROOT / "test-artifacts" / "schemathesis.log"


def test_the_server_keeps_its_description_under_fuzzing(server):
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert st, "schemathesis is part of the test extra"
    run = subprocess.run(
        [st, "run", server + "/openapi.json", "--checks", "all",
         "--exclude-checks", "positive_data_acceptance",
         # One worker: with two, CPython 3.11 has failed inside schemathesis's own code
         # ("AST constructor recursion depth mismatch"), which is not a server failure.
         "--max-examples", EXAMPLES_PER_OPERATION, "--workers", "1",
         "--phases", "examples,coverage,fuzzing",
         "--request-timeout", "60", "--seed", "20261126", "--output-truncate", "true"],
        capture_output=True, text=True, timeout=1200)
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text(run.stdout + run.stderr, encoding="utf-8")
    generated = re.search(r"(\d+) generated", run.stdout)
    assert run.returncode == 0, f"schemathesis found failures; see {LOG}"
    assert generated and int(generated.group(1)) >= 2500, run.stdout[-2000:]
    print(f"schemathesis: {generated.group(1)} generated requests, no failure")
