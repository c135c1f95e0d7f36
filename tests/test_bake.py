"""The static bake: every page in every format as files, served by Debian's nginx and Apache
on loopback with the rules `bake` generates, swept IRI by IRI as the app is."""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

import pytest
from rdflib import Graph

from conftest import free_port
from s2s_graph.cli import main
from s2s_graph.published import PublishedGraph
from sweep import get, sweep

pytestmark = pytest.mark.slow

MODULES = Path("/usr/lib/apache2/modules")


@pytest.fixture(scope="module")
def baked(memory_app) -> Path:
    """The real dataset baked into a folder a web server's workers can read."""
    from s2s_graph.web.bake import bake

    folder = Path(tempfile.mkdtemp(prefix="s2s-bake-"))
    folder.chmod(0o755)
    bake(memory_app, folder / "site", force=True)
    yield folder / "site"
    shutil.rmtree(folder, ignore_errors=True)


def _wait(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text(errors="replace") if log.exists() else "")
            time.sleep(0.05)
        finally:
            connection.close()


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def nginx(baked: Path, tmp_path_factory) -> str:
    """Debian's nginx serving the bake with the generated rules, on a loopback port."""
    run = tmp_path_factory.mktemp("nginx")
    port = free_port()
    temp = "\n".join(f"{kind}_temp_path {run}/{kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (run / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    {temp}
    include {baked}/nginx-http.conf;
    server {{
        listen 127.0.0.1:{port};
        root {baked};
        include {baked}/nginx-server.conf;
    }}
}}
""")
    process = subprocess.Popen(["nginx", "-e", str(run / "error.log"), "-p", str(run), "-c",
                                str(run / "nginx.conf"), "-g", "daemon off;"])
    _wait(port, process, run / "error.log")
    yield f"http://127.0.0.1:{port}"
    _stop(process)


@pytest.fixture(scope="module")
def apache(baked: Path, tmp_path_factory) -> str:
    """Debian's Apache serving the bake with the generated .htaccess, on a loopback port."""
    run = Path(tempfile.mkdtemp(prefix="s2s-apache-"))
    port = free_port()
    modules = ("mpm_event", "authz_core", "dir", "mime", "negotiation", "rewrite", "headers",
               "alias")
    loads = "\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in modules)
    (run / "httpd.conf").write_text(f"""
ServerRoot {run}
{loads}
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
PidFile {run}/httpd.pid
ErrorLog {run}/error.log
DefaultRuntimeDir {run}
Mutex file:{run} default
TypesConfig /dev/null
{"User www-data" if os.geteuid() == 0 else ""}
{"Group www-data" if os.geteuid() == 0 else ""}
DocumentRoot {baked}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {baked}>
    AllowOverride All
    Require all granted
</Directory>
""")
    process = subprocess.Popen(["apache2", "-f", str(run / "httpd.conf"), "-DFOREGROUND"])
    _wait(port, process, run / "error.log")
    yield f"http://127.0.0.1:{port}"
    _stop(process)
    shutil.rmtree(run, ignore_errors=True)


@pytest.fixture(params=["nginx", "apache"])
def static_host(request) -> str:
    return request.getfixturevalue(request.param)


def test_every_iri_dereferences_from_the_static_host(static_host, published: PublishedGraph):
    assert not sweep(static_host, published)


def test_the_static_host_serves_what_the_app_serves(static_host, memory_app):
    client = memory_app.test_client()
    for path, accept in [("/doc/organisation/home-office", "text/turtle"),
                         ("/doc/organisation/home-office", "application/ld+json"),
                         ("/def/s2s", "application/n-triples"), ("/set/organisation", "text/csv"),
                         ("/.well-known/void", "application/rdf+xml"),
                         ("/sparql", "text/turtle")]:
        status, headers, body = get(static_host + path, accept)
        expected = client.get(path, headers={"Accept": accept})
        assert status == 200, (path, accept, status)
        assert headers["content-type"].split(";")[0] == expected.mimetype, (path, accept)
        assert body == expected.data, (path, accept)


@pytest.mark.parametrize("accept, suffix", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
    (None, "html"), ("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"), ("application/rdf+xml", "rdf"),
    ("text/turtle, application/ld+json;q=0.5", "ttl"),
])
def test_negotiation_picks_the_file_the_client_prefers(static_host, baked, accept, suffix):
    status, headers, body = get(static_host + "/doc/organisation/essex-police", accept)
    assert status == 200
    assert body == (baked / f"doc/organisation/essex-police.{suffix}").read_bytes()
    assert "accept" in headers["vary"].lower()


def test_a_suffix_names_the_format_whatever_accept_says(static_host, baked):
    status, headers, body = get(static_host + "/set/organisation.ttl", "text/html")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert body == (baked / "set/organisation.ttl").read_bytes()


def test_unknown_things_are_404_with_the_site_page(static_host):
    for path in ("/id/organisation/no-such-body", "/doc/organisation/no-such-body",
                 "/set/no-such-type"):
        status, _, body = get(static_host + path, "text/html")
        assert status == 404, path
        assert b"Not Found" in body or b"not in this dataset" in body


def test_queries_need_the_app(static_host):
    status, _, _ = get(static_host + "/sparql?query=ASK%7B%7D", "application/sparql-results+json")
    assert status == 404


def test_downloads_come_gzipped_on_request_and_answers_are_cacheable(static_host, baked):
    parts = urllib.parse.urlsplit(static_host)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", "/download/dataset.nt", headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        assert response.getheader("Content-Encoding") == "gzip"
        assert response.getheader("Content-Type").startswith("application/n-triples")
        assert body == (baked / "download/dataset.nt.gz").read_bytes()
        connection.request("GET", "/download/dataset.nt")
        response = connection.getresponse()
        assert response.read() == (baked / "download/dataset.nt").read_bytes()
        assert response.getheader("Content-Encoding") is None
        connection.request("GET", "/doc/organisation/home-office",
                           headers={"Accept": "text/turtle"})
        response = connection.getresponse()
        response.read()
        assert "max-age=300" in response.getheader("Cache-Control", "")
        etag = response.getheader("ETag")
        connection.request("GET", "/doc/organisation/home-office",
                           headers={"Accept": "text/turtle", "If-None-Match": etag})
        response = connection.getresponse()
        response.read()
        assert response.status == 304
    finally:
        connection.close()


def test_the_rules_are_not_served(static_host):
    for path in ("/nginx-server.conf", "/nginx-http.conf", "/.htaccess",
                 "/doc/organisation/home-office.var"):
        assert get(static_host + path)[0] in (403, 404), path


def test_the_baked_turtle_parses(baked):
    graph = Graph().parse(baked / "doc/organisation/home-office.ttl", format="turtle")
    assert len(graph) > 5


def test_bake_refuses_a_folder_that_is_not_empty(runner, project_settings, tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    keep = out / "keep.txt"
    keep.write_text("mine")
    result = runner.invoke(main, ["--project-root", str(project_settings.project_root),
                                  "bake", "--out", str(out)])
    assert result.exit_code == 2
    assert "not empty" in result.output and "--force" in result.output
    assert keep.read_text() == "mine"
    result = runner.invoke(main, ["--project-root", str(project_settings.project_root),
                                  "bake", "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert not keep.exists() and (out / "index.html").is_file()
    assert result.output.startswith("Baked ") and result.output.count("\n") == 1
