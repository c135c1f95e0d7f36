"""Shared fixtures: settings, the published graph (built once), the CLI runner."""

from __future__ import annotations

import http.server
import shutil
import threading
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


@pytest.fixture(scope="session")
def project_settings() -> Settings:
    """Settings for the real project sources, with the default BASE."""
    return Settings(project_root=ROOT, base_iri=BASE)


@pytest.fixture(scope="session")
def published(project_settings: Settings) -> PublishedGraph:
    """The real dataset, loaded, validated and published once per test session."""
    return publish(project_settings)


@pytest.fixture(scope="session")
def app(project_settings: Settings, published: PublishedGraph):
    """The Flask app over the real dataset. Session-scoped: building it renders every dump
    and the vocabulary documentation (about a second), and the app is read-only, so one
    instance serves every test without leaking state between them."""
    from s2s_graph.web import create_app

    return create_app(project_settings, published=published)


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


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
