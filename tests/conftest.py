"""Shared fixtures: settings, the published graph (built once), the CLI runner."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from s2s_graph.published import PublishedGraph, publish
from s2s_graph.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "shapes" / "examples"
VALID_EXAMPLES = sorted((EXAMPLES / "valid").glob("*.ttl"))
INVALID_EXAMPLES = sorted((EXAMPLES / "invalid").glob("*.ttl"))
MINIMAL = EXAMPLES / "valid" / "minimal.ttl"
BASE = "https://w3id.org/safe-to-share/"
# Screenshots of the browser tests, reported at the end of the run.
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def project_settings() -> Settings:
    """Settings for the real project sources, with the default BASE."""
    return Settings(project_root=ROOT, base_iri=BASE)


@pytest.fixture(scope="session")
def published(project_settings: Settings) -> PublishedGraph:
    """The real dataset, loaded, validated and published once per test session."""
    return publish(project_settings)


@pytest.fixture(scope="session")
def release_folder(tmp_path_factory, published: PublishedGraph) -> Path:
    """The real dataset built into a release folder (with its on-disk store), once."""
    from s2s_graph.dumps import write_dumps

    folder = tmp_path_factory.mktemp("release") / "dist"
    write_dumps(published, folder)
    return folder


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A fresh Virtuoso on loopback for the session (tests/install-test-tools installs it)."""
    import virtuoso as server

    assert server.available(), "Virtuoso is missing: run tests/install-test-tools"
    with server.running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as running:
        yield running


@pytest.fixture(scope="session")
def pushed_release(release_folder: Path, virtuoso, published: PublishedGraph) -> Path:
    """The release, also put into the session's Virtuoso as `build --push` does."""
    from s2s_graph.push import PushTarget, graph_payloads, push_graphs

    graphs = (published.vocabulary.ontology_iri, str(published.dataset_iri))
    push_graphs(graph_payloads(published.store, graphs),
                PushTarget(virtuoso.graph_store, "dba", "dba"))
    return release_folder


def store_settings(store: str, base: Settings, request) -> Settings:
    """Settings that serve the real dataset from ``store`` (memory, built, disk or remote)."""
    from dataclasses import replace

    if store == "memory":
        return base
    if store in ("built", "disk"):
        return replace(base, store=store, dist_dir=request.getfixturevalue("release_folder"))
    folder = request.getfixturevalue("pushed_release")
    return replace(base, store="remote", dist_dir=folder,
                   remote_endpoint=request.getfixturevalue("virtuoso").sparql)


STORES = ("memory", "built", "disk", "remote")


@pytest.fixture(scope="session", params=STORES)
def app(request, project_settings: Settings, published: PublishedGraph):
    """The Flask app over the real dataset, once for each store the app can serve from, so
    that every HTTP test runs on each. Session-scoped: building it renders every dump and
    the vocabulary documentation (about a second), and the app is read-only, so one instance
    serves every test without leaking state between them."""
    from s2s_graph.web import create_app

    settings = store_settings(request.param, project_settings, request)
    app = create_app(settings, published=published if request.param == "memory" else None)
    yield app
    app.extensions["s2s_graph"].release.close()


@pytest.fixture(scope="session")
def memory_app(project_settings: Settings, published: PublishedGraph):
    """The app over the in-memory store only, for tests about the app itself rather than
    its store."""
    from s2s_graph.web import create_app

    return create_app(project_settings, published=published)


@pytest.fixture
def client(app):
    """A test client of the app that reads each response whole and closes it (files sent
    with send_file are closed then, as a WSGI server closes them)."""
    from flask.testing import FlaskClient

    class BufferedClient(FlaskClient):
        def open(self, *args, **kwargs):
            kwargs.setdefault("buffered", True)
            return super().open(*args, **kwargs)

    return BufferedClient(app, app.response_class, use_cookies=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a release folder by relative path, but the store (a database whose
    files are not byte-stable)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] != "store"}


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A scratch copy of ontology/, data/ and shapes/ that a test may break."""
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture
def runner() -> CliRunner:
    """A click runner that keeps stdout and stderr apart."""
    return CliRunner()


class Canary(http.server.BaseHTTPRequestHandler):
    """A loopback HTTP server that records every request: proof that nothing was fetched."""

    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        Canary.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.end_headers()
        self.wfile.write(b"<http://canary.example/s> <http://canary.example/p> \"CANARY-SECRET\" .\n")

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def canary():
    """Start a canary server; yield its URL; the test asserts ``Canary.hits == []``."""
    Canary.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A file whose content must never appear in any response."""
    path = tmp_path / "secret.ttl"
    path.write_text('<http://secret.example/s> <http://secret.example/p> "FILE-SECRET" .\n')
    return path


# --- the real server -------------------------------------------------------------------------

def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path, port: int, log: Path,
                 env: dict[str, str] | None = None, workers: int = 2) -> subprocess.Popen:
    """Start `s2s-graph serve`; its log goes to a file (a pipe nobody reads would fill up
    and block the server's access log)."""
    with log.open("w") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "s2s_graph", "--project-root", str(root), "serve",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})


def wait_until_up(process: subprocess.Popen, port: int, log: Path, timeout_s: float = 60) -> None:
    """Wait until the server listens; fail with its log if it exits first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("server exited early:\n" + log.read_text())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start listening")


def server_url() -> str:
    """Kept for modules that import it; the ``server`` fixture gives the URL."""
    raise RuntimeError("use the server fixture")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The real server (gunicorn, as `s2s-graph serve` runs it) on a loopback port."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    process = start_server(ROOT, port, log)
    try:
        wait_until_up(process, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def pytest_sessionstart(session):
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: the controller cleans
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()


def pytest_terminal_summary(terminalreporter):
    shots = sorted(SCREENSHOTS.glob("*.png"))
    if shots:
        terminalreporter.write_line(f"{len(shots)} screenshots of the pages in {SCREENSHOTS}")
