"""HTTP caching of a release's answers, so that browsers, reverse proxies and CDNs can absorb
repeat traffic, and this process does not render the same page twice.

Every successful ``GET`` (and ``HEAD``) carries ``Cache-Control: public, max-age=N`` and a
strong ``ETag`` derived from the release and the representation (path, query string and
media type), and is answered ``304 Not Modified`` when the client already holds it
(RFC 9110 §8.8.3, §13.1.2). A rendered response is also kept in the process's cache, keyed
by the request's path, query string and ``Accept``, and replayed from there: at once if it
took some work to render, or else once it is asked for again (``LruCache.worth_keeping``).
A response that sets its own ``ETag`` (the downloads, by file digest) keeps it.
"""

from __future__ import annotations

import hashlib
import time

from flask import Flask, Response, request
from werkzeug.http import quote_etag

from s2s_graph.caching import LruCache

CACHEABLE_STATUS = (200, 303)
# In the WSGI environ of a request whose page the cache did not hold: its key, and the CPU
# time of this thread when the request began.
MISSED = "s2s_graph.missed"
STARTED = "s2s_graph.started"
CORS_HEADERS = ("Access-Control-",)
# The request headers that can make a response conditional (RFC 9110 §13.1, §14.2); without
# them it is answered as it is, and werkzeug's conditional handling is skipped.
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE",
               "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE", "HTTP_RANGE")


def representation_etag(release_id: str, path: str, media_type: str) -> str:
    """Return the strong entity tag of one representation of one release."""
    digest = hashlib.sha256(f"{release_id}\n{path}\n{media_type}".encode("utf-8"))
    return digest.hexdigest()[:32]


def _key(full_path: str, environ: dict) -> tuple:
    return ("page", full_path, environ.get("HTTP_ACCEPT", ""))


def install_caching(app: Flask, release_id: str, cache: LruCache | None, max_age_s: int) -> None:
    """Add validators and freshness to cacheable responses; replay rendered ones from
    ``cache`` (none: render every time)."""

    freshness = f"public, max-age={max_age_s}"

    # The request proxy is read once per hook: each reading of it costs a lookup, and this
    # runs on every request.
    @app.before_request
    def replay() -> Response | None:
        current = request._get_current_object()
        environ = current.environ
        if cache is None or environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return None
        key = _key(current.full_path, environ)
        stored = cache.get(key)
        if stored is None:
            environ[MISSED] = key
            environ[STARTED] = time.thread_time()
            return None
        status, headers, body = stored
        return Response(body, status=status, headers=headers)

    @app.after_request
    def validators(response: Response) -> Response:
        current = request._get_current_object()
        environ = current.environ
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD") or response.status_code not in CACHEABLE_STATUS:
            return response
        if response.direct_passthrough:  # a file, already conditional (send_file)
            response.cache_control.public = True
            response.cache_control.max_age = max_age_s
            return response
        headers = response.headers
        present = {name.lower() for name, _ in headers}  # read once, for both questions
        if "cache-control" in present:
            headers["Cache-Control"] = freshness
        else:  # no view sets it: added, not set, which would scan the headers again
            headers.add("Cache-Control", freshness)
        key = environ.get(MISSED)
        if response.status_code == 200 and "etag" not in present:
            full_path = key[1] if key is not None else current.full_path
            headers.add("ETag", quote_etag(representation_etag(
                release_id, full_path, response.content_type or "")))
        if key is not None and method == "GET" and cache.worth_keeping(
                key, time.thread_time() - environ[STARTED]):
            body = response.get_data()
            headers = [(k, v) for k, v in response.headers.items()
                       if not k.startswith(CORS_HEADERS) and k != "Content-Length"]
            cache.put(key, (response.status_code, headers, body),
                      len(body) + sum(len(k) + len(v) for k, v in headers) + 200)
        if response.status_code == 200 and not environ.keys().isdisjoint(CONDITIONAL):
            return response.make_conditional(current)
        return response
