"""HTTP caching of a release's answers, so that browsers, reverse proxies and CDNs can absorb
repeat traffic, and this process does not render the same page twice.

Every successful ``GET`` (and ``HEAD``) carries ``Cache-Control: public, max-age=N`` and a
strong ``ETag`` derived from the release and the representation (path, query string and
media type), and is answered ``304 Not Modified`` when the client already holds it
(RFC 9110 §8.8.3, §13.1.2). A rendered response is also kept in the process's cache, keyed
by the request's path, query string and ``Accept``, and replayed from there. A response that
sets its own ``ETag`` (the downloads, by file digest) keeps it.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, g, request

from s2s_graph.caching import LruCache

CACHEABLE_STATUS = (200, 303)
CORS_HEADERS = ("Access-Control-",)
# The request headers that can make a response conditional (RFC 9110 §13.1, §14.2); without
# them it is answered as it is, and werkzeug's conditional handling is skipped.
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE",
               "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE", "HTTP_RANGE")


def representation_etag(release_id: str, path: str, media_type: str) -> str:
    """Return the strong entity tag of one representation of one release."""
    digest = hashlib.sha256(f"{release_id}\n{path}\n{media_type}".encode("utf-8"))
    return digest.hexdigest()[:32]


def _key() -> tuple:
    return ("page", request.full_path, request.headers.get("Accept", ""))


def install_caching(app: Flask, release_id: str, cache: LruCache | None, max_age_s: int) -> None:
    """Add validators and freshness to cacheable responses; replay rendered ones from
    ``cache`` (none: render every time)."""

    freshness = f"public, max-age={max_age_s}"

    @app.before_request
    def replay() -> Response | None:
        if cache is None or request.method not in ("GET", "HEAD"):
            return None
        stored = cache.get(_key())
        if stored is None:
            return None
        status, headers, body = stored
        g.replayed = True
        return Response(body, status=status, headers=headers)

    @app.after_request
    def validators(response: Response) -> Response:
        if request.method not in ("GET", "HEAD") or response.status_code not in CACHEABLE_STATUS:
            return response
        if response.direct_passthrough:  # a file, already conditional (send_file)
            response.cache_control.public = True
            response.cache_control.max_age = max_age_s
            return response
        response.headers["Cache-Control"] = freshness
        if response.status_code == 200 and "ETag" not in response.headers:
            response.set_etag(representation_etag(release_id, request.full_path,
                                                  response.content_type or ""))
        if cache is not None and not g.get("replayed") and request.method == "GET":
            body = response.get_data()
            headers = [(k, v) for k, v in response.headers.items()
                       if not k.startswith(CORS_HEADERS) and k != "Content-Length"]
            cache.put(_key(), (response.status_code, headers, body),
                      len(body) + sum(len(k) + len(v) for k, v in headers) + 200)
        if response.status_code == 200 and any(h in request.environ for h in CONDITIONAL):
            return response.make_conditional(request)
        return response
