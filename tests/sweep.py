"""The dereference sweep: every IRI under BASE, through /id/ (303) to its document, in every
format, each parsed and checked for the thing's own triples. Run against the real server and
against a static bake served by nginx and Apache."""

from __future__ import annotations

import http.client
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from rdflib import Graph, URIRef

from conftest import BASE
from s2s_graph.formats import RDF_FORMATS
from s2s_graph.published import PublishedGraph


def get(url: str, accept: str | None = None) -> tuple[int, dict, bytes]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", target, headers={"Accept": accept} if accept else {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def check_thing(server: str, published: PublishedGraph, thing: URIRef) -> list[str]:
    """Dereference one IRI in every format; return what went wrong."""
    problems = []
    path = thing[len(BASE):]
    expected = set(published.graph.triples((thing, None, None)))
    if path.startswith("def/"):
        doc_path = "/" + path.split("#", 1)[0]
    else:
        status, headers, _ = get(f"{server}/{path}")
        if status != 303:
            return [f"{thing}: /{path} gave {status}, not 303"]
        # Relative (the app, nginx) or absolute (Apache): the same document either way.
        doc_path = urllib.parse.urlsplit(headers["location"]).path
    for fmt in RDF_FORMATS:
        status, headers, body = get(server + doc_path, fmt.media_type)
        if status != 200 or not headers["content-type"].startswith(fmt.media_type):
            problems.append(f"{thing} as {fmt.media_type}: {status} {headers.get('content-type')}")
            continue
        graph = Graph().parse(data=body, format=fmt.rdflib_name)
        missing = [t for t in expected if t not in graph]
        if missing:
            problems.append(f"{thing} as {fmt.media_type}: {len(missing)} triples missing")
        if "accept" not in headers.get("vary", "").lower():
            problems.append(f"{thing} as {fmt.media_type}: no Vary: Accept")
    status, headers, body = get(server + doc_path, "text/html")
    if status != 200 or b"<h1" not in body:
        problems.append(f"{thing} as HTML: {status}")
    return problems


def sweep(server: str, published: PublishedGraph) -> list[str]:
    """Dereference every IRI under BASE; return what went wrong (nothing, when all is well)."""
    things = published.subjects_under_base()
    assert len(things) > 400
    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [p for found in pool.map(lambda t: check_thing(server, published, t), things)
                    for p in found]
    return problems[:20]
