"""Cross-origin reads (CORS, WHATWG Fetch §3.2): a script from any origin may read every
response, and send the queries of the SPARQL Protocol by POST, as browser clients (YASGUI,
Comunica) do. No credentials are involved: the graph is public.

The policy is fixed, so it is a few constant headers on every response, and a little more on
a preflight ``OPTIONS``. They are added by the WSGI layer every response leaves through
(``s2s_graph.web.caching``), after the response has been kept in the cache without them.
flask-cors did this before, but it matched its resource patterns and rebuilt its options
for every response: 0.15 M instructions of the 1.17 M a whole ``ASK {}`` cost in the app
(in process, measured with callgrind).
"""

from __future__ import annotations

ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
# A query is POSTed as application/sparql-query, which is not a "simple" content type.
ALLOWED_REQUEST_HEADERS = ("Accept", "Content-Type")
EXPOSED_HEADERS = ("Link", "Content-Type", "ETag", "Vary", "S2S-Results-Truncated",
                   "Retry-After")
PREFLIGHT_MAX_AGE_S = 86400

EVERY_RESPONSE = (("Access-Control-Allow-Origin", "*"),
                  ("Access-Control-Expose-Headers", ", ".join(EXPOSED_HEADERS)))
_ALLOWED = {name.lower() for name in ALLOWED_REQUEST_HEADERS}


def cors_headers(environ: dict) -> tuple[tuple[str, str], ...]:
    """Return the CORS headers of the response to the request in ``environ``."""
    if environ["REQUEST_METHOD"] != "OPTIONS":
        return EVERY_RESPONSE
    # A preflight (Fetch §3.2.2): say what the real request may use.
    asked_method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "").upper()
    if asked_method not in ALLOWED_METHODS:
        return EVERY_RESPONSE
    headers = [*EVERY_RESPONSE, ("Access-Control-Allow-Methods", ", ".join(ALLOWED_METHODS))]
    asked = [name.strip() for name in
             environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",")]
    granted = [name for name in asked if name.lower() in _ALLOWED]
    if granted:
        headers.append(("Access-Control-Allow-Headers", ", ".join(granted)))
    headers.append(("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE_S)))
    return tuple(headers)
