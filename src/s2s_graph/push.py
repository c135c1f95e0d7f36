"""Put a release into a remote triple store over the SPARQL 1.1 Graph Store HTTP Protocol.

Each named graph of the release (the vocabulary, the data) is sent with ``PUT ?graph=IRI``
as N-Triples, which replaces what the store held in that graph (GSP §5.3). The store may
ask for HTTP Basic or Digest authentication (Virtuoso's ``/sparql-graph-crud-auth`` asks for
Digest). Nothing but the named graphs is touched. No printing here: ``progress`` is told how
many bytes went.
"""

from __future__ import annotations

import base64
import http.client
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph

from s2s_graph.errors import RemoteStoreError, RemoteStoreTimeout

Progress = Callable[[int], None]


@dataclass(frozen=True)
class PushTarget:
    graph_store: str
    user: str = ""
    password: str = ""
    timeout_s: float = 300.0


CHUNK = 1 << 20


def _authorization(target: PushTarget, url: str, challenge: str) -> str | None:
    """Answer a ``WWW-Authenticate`` challenge (Digest or Basic) for a PUT to ``url``."""
    scheme, _, params = challenge.partition(" ")
    if scheme.lower() == "basic":
        token = base64.b64encode(f"{target.user}:{target.password}".encode()).decode("ascii")
        return f"Basic {token}"
    if scheme.lower() != "digest":
        return None
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, target.user, target.password)
    values = urllib.request.parse_keqv_list(urllib.request.parse_http_list(params))
    answer = urllib.request.HTTPDigestAuthHandler(passwords).get_authorization(
        urllib.request.Request(url, method="PUT"), values)
    return f"Digest {answer}" if answer else None


def _connection(url: str, timeout_s: float) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return kind(parts.hostname, parts.port, timeout=timeout_s)


def _selector(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _challenge(url: str, target: PushTarget) -> str | None:
    """Ask (with a bodiless HEAD) whether the endpoint wants credentials; return its
    challenge. Sending the data first would have it cut off by the 401."""
    connection = _connection(url, target.timeout_s)
    try:
        connection.request("HEAD", _selector(url))
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 401:
        return None
    return response.getheader("WWW-Authenticate")


def _put(url: str, data: bytes, authorization: str | None, timeout_s: float,
         progress: Progress | None) -> tuple[int, str, bytes]:
    connection = _connection(url, timeout_s)
    try:
        connection.putrequest("PUT", _selector(url))
        connection.putheader("Content-Type", "application/n-triples")
        connection.putheader("Content-Length", str(len(data)))
        if authorization:
            connection.putheader("Authorization", authorization)
        connection.endheaders()
        view = memoryview(data)
        for start in range(0, len(data), CHUNK):
            connection.send(view[start:start + CHUNK])
            if progress is not None:
                progress(min(CHUNK, len(data) - start))
        response = connection.getresponse()
        return response.status, response.reason, response.read()
    finally:
        connection.close()


def graph_payloads(store: pyoxigraph.Store, graphs: tuple[str, ...]) -> dict[str, bytes]:
    """Return each named graph of ``store`` as N-Triples, by graph IRI."""
    return {iri: store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES,
                            from_graph=pyoxigraph.NamedNode(iri)) for iri in graphs}


def push_graphs(payloads: dict[str, bytes], target: PushTarget,
                progress: Progress | None = None) -> None:
    """Replace each named graph in the store with its N-Triples payload.

    :raises RemoteStoreError: the store cannot be reached, refuses the credentials or the data.
    :raises RemoteStoreTimeout: the store did not answer in time.
    """
    parts = urllib.parse.urlsplit(target.graph_store)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteStoreError(f"not an http(s) URL of a Graph Store endpoint: "
                               f"{target.graph_store!r}")
    for iri, data in payloads.items():
        separator = "&" if parts.query else "?"
        url = target.graph_store + separator + urllib.parse.urlencode({"graph": iri})
        try:
            authorization = None
            challenge = _challenge(url, target)
            if challenge is not None:
                authorization = _authorization(target, url, challenge) if target.user else None
                if authorization is None:
                    raise RemoteStoreError(
                        f"the Graph Store at {target.graph_store} asks for credentials "
                        "(S2S_REMOTE_USER, S2S_REMOTE_PASSWORD)")
            status, reason, body = _put(url, data, authorization, target.timeout_s, progress)
        except TimeoutError:
            raise RemoteStoreTimeout(f"the Graph Store at {target.graph_store} did not answer "
                                     f"within {target.timeout_s:g} s") from None
        except OSError as error:
            raise RemoteStoreError(f"the Graph Store at {target.graph_store} cannot be "
                                   f"reached ({error.strerror or error})") from None
        if status not in (200, 201, 204):
            detail = body.decode("utf-8", "replace").strip()[:300]
            what = "refused the credentials" if status in (401, 403) else \
                f"answered {status} {reason}"
            raise RemoteStoreError(f"the Graph Store at {target.graph_store} {what} for "
                                   f"<{iri}>" + (f": {detail}" if detail else ""))
