"""The backstop: in a guarded process, opening files outside the server's folders, writing
to its sources, and any outbound connection are refused, whatever code asks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from conftest import ROOT, Canary

GUARDED = textwrap.dedent("""
    import json, socket, sys, urllib.request
    from pathlib import Path
    from s2s_graph.sandbox import Refused, install, server_guard
    root, canary, secret = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    install(server_guard(root))
    outcome = {}
    def attempt(name, action):
        try:
            action()
            outcome[name] = "allowed"
        except Refused as error:
            outcome[name] = "refused: " + str(error)
    attempt("read secret", lambda: open(secret).read())
    attempt("read /etc/passwd", lambda: open("/etc/passwd").read())
    attempt("write data/", lambda: open(root / "data" / "intruder.ttl", "w"))
    attempt("append ontology/", lambda: open(root / "ontology" / "s2s.ttl", "a"))
    attempt("urllib", lambda: urllib.request.urlopen(canary + "/x", timeout=2).read())
    attempt("socket", lambda: socket.create_connection(("127.0.0.1", int(canary.rsplit(":", 1)[1])), 2))
    attempt("read project", lambda: (root / "data" / "report.ttl").read_text())
    attempt("import a module", lambda: __import__("email.mime.text"))
    attempt("write a temporary file", lambda: __import__("tempfile").TemporaryFile().close())
    print(json.dumps(outcome))
""")


@pytest.fixture
def secret_outside_tmp():
    """A secret file outside every folder the server may read (not in /tmp either)."""
    path = Path("/var/tmp") / f"s2s-secret-{uuid.uuid4().hex}.ttl"
    path.write_text('<http://secret.example/s> <http://secret.example/p> "FILE-SECRET" .\n')
    yield path
    path.unlink()


def test_the_guard_refuses_what_the_server_has_no_reason_to_do(canary, secret_outside_tmp):
    import json

    run = subprocess.run([sys.executable, "-c", GUARDED, str(ROOT), canary,
                          str(secret_outside_tmp)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout)
    for refused in ("read secret", "read /etc/passwd", "write data/", "append ontology/",
                    "urllib", "socket"):
        assert outcome[refused].startswith("refused"), (refused, outcome[refused])
    for allowed in ("read project", "import a module", "write a temporary file"):
        assert outcome[allowed] == "allowed", (allowed, outcome[allowed])
    assert "FILE-SECRET" not in run.stdout
    assert Canary.hits == []
    assert not (ROOT / "data" / "intruder.ttl").exists()


STORE_REACH = textwrap.dedent("""
    import http.client, json, sys
    from pathlib import Path
    from s2s_graph.sandbox import Refused, install, server_guard
    root, store, other = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    install(server_guard(root, stores=(("localhost", store),)))
    outcome = {}
    for name, port in (("store", store), ("other", other)):
        connection = http.client.HTTPConnection("localhost", port, timeout=5)
        try:
            connection.request("GET", "/x")
            outcome[name] = connection.getresponse().status
        except Refused as error:
            outcome[name] = "refused: " + str(error)
        finally:
            connection.close()
    print(json.dumps(outcome))
""")


def test_the_guard_lets_the_server_reach_its_remote_store_and_nothing_else(canary):
    import json

    from conftest import free_port

    store = int(canary.rsplit(":", 1)[1])  # a local HTTP server standing in for the store
    run = subprocess.run([sys.executable, "-c", STORE_REACH, str(ROOT), str(store),
                          str(free_port())], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout)
    assert isinstance(outcome["store"], int)  # it answered, whatever it said
    assert str(outcome["other"]).startswith("refused")
