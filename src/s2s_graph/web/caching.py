"""HTTP caching of a release's answers, so that browsers, reverse proxies and CDNs can absorb
repeat traffic, and this process does not render the same page twice.

Every successful ``GET`` (and ``HEAD``) carries ``Cache-Control: public, max-age=N`` and a
strong ``ETag`` derived from the release and the representation (path, query string and
media type), and is answered ``304 Not Modified`` when the client already holds it
(RFC 9110 §8.8.3, §13.1.2). A rendered response is also kept in the process's cache, keyed
by the request's path, query string and ``Accept``, and replayed from there: at once if it
took some work to render, or else once it is asked for again (``LruCache.worth_keeping``).
A response that sets its own ``ETag`` (a file of the release, by its digest, which
``send_file`` has made conditional already) keeps it and its ``Cache-Control``, and is not
kept: it is read from disk.

All of this is one WSGI layer around Flask (``CachingLayer``), which also adds the headers
every response carries (CORS, ``s2s_graph.web.cors``) after the response has been kept
without them. As Flask hooks, the same work cost 0.16 M instructions of the 0.99 M a whole
``ASK {}`` took in the app, and a replayed page went through all of Flask first.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable

from werkzeug.http import quote_etag
from werkzeug.wrappers import Response

from s2s_graph.caching import LruCache

CACHEABLE_STATUS = ("200", "303")
# The request headers that can make a response conditional (RFC 9110 §13.1, §14.2); without
# them it is answered as it is, and werkzeug's conditional handling is skipped.
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE",
               "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE", "HTTP_RANGE")
READS = ("GET", "HEAD")


def representation_etag(release_id: str, path: str, media_type: str) -> str:
    """Return the strong entity tag of one representation of one release."""
    digest = hashlib.sha256(f"{release_id}\n{path}\n{media_type}".encode("utf-8"))
    return digest.hexdigest()[:32]


def full_path(environ: dict) -> str:
    """The request's path and query string, as werkzeug's ``Request.full_path`` gives them
    (the ETag of a representation is derived from it); bytes that are not UTF-8 replaced."""
    path = environ.get("PATH_INFO", "").encode("latin1").decode(errors="replace")
    query = environ.get("QUERY_STRING", "").encode("latin1").decode(errors="replace")
    return f"/{path.lstrip('/')}?{query}"


def _no_write(data: bytes) -> None:
    raise RuntimeError("the app must return its body, not write it: its status and headers "
                       "are sent once it has returned")


class CachingLayer:
    """The WSGI layer around the Flask app (see the module): replays kept pages, adds
    validators and freshness to cacheable responses, keeps rendered ones in ``cache`` (none:
    render every time), answers conditional requests, and adds ``every_response(environ)``'s
    headers to every response, error pages included."""

    def __init__(self, app: Callable, release_id: str, cache: LruCache | None,
                 max_age_s: int, every_response: Callable[[dict], Iterable[tuple[str, str]]]):
        self.app = app
        self.release_id = release_id
        self.cache = cache
        self.freshness = ("Cache-Control", f"public, max-age={max_age_s}")
        self.every_response = every_response

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        cache = self.cache
        key = None
        if cache is not None and method in READS:
            key = ("page", environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                   environ.get("HTTP_ACCEPT", ""))
            stored = cache.get(key)
            if stored is not None:
                return self._send(environ, start_response, *stored)
            started = time.thread_time()
        answered: list = []

        def hold(status: str, headers: list, exc_info=None) -> Callable:
            answered.append((status, headers, exc_info))
            return _no_write

        body = self.app(environ, hold)
        status, headers, exc_info = answered[-1]
        if method not in READS or status[:3] not in CACHEABLE_STATUS:
            start_response(status, [*headers, *self.every_response(environ)], exc_info)
            return body
        present = set()
        media_type = ""
        for name, value in headers:
            lower = name.lower()
            present.add(lower)
            if lower == "content-type":
                media_type = value
        if "etag" in present:  # a file, made conditional by send_file already
            start_response(status, [*headers, *self.every_response(environ)], exc_info)
            return body
        if "cache-control" not in present:
            headers.append(self.freshness)
        if status.startswith("200"):
            headers.append(("ETag", quote_etag(representation_etag(
                self.release_id, full_path(environ), media_type))))
        if key is not None and method == "GET" and cache.worth_keeping(
                key, time.thread_time() - started):
            data = _drained(body)
            kept = [(name, value) for name, value in headers if name.lower() != "content-length"]
            kept.append(("Content-Length", str(len(data))))
            cache.put(key, (status, kept, data),
                      len(data) + sum(len(k) + len(v) for k, v in kept) + 200)
            return self._send(environ, start_response, status, kept, data)
        if status.startswith("200") and not environ.keys().isdisjoint(CONDITIONAL):
            return self._send(environ, start_response, status, headers, _drained(body))
        start_response(status, [*headers, *self.every_response(environ)], exc_info)
        return body

    def _send(self, environ: dict, start_response: Callable, status: str,
              headers: list, data: bytes) -> Iterable[bytes]:
        """Send a whole response held in memory; conditional requests go through werkzeug's
        own handling (304, 412)."""
        if status.startswith("200") and not environ.keys().isdisjoint(CONDITIONAL):
            response = Response(data, status=status, headers=headers)
            response.make_conditional(environ)
            response.headers.extend(self.every_response(environ))
            return response(environ, start_response)
        start_response(status, [*headers, *self.every_response(environ)])
        return [data] if environ["REQUEST_METHOD"] != "HEAD" else []


def _drained(body: Iterable[bytes]) -> bytes:
    """Read a WSGI body whole and close it, as a server would."""
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
