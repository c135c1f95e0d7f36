"""Cross-origin reads (CORS, WHATWG Fetch §3.2): a script from any origin may read every
response, and send the queries of the SPARQL Protocol by POST, as browser clients (YASGUI,
Comunica) do. No credentials are involved: the graph is public.

The policy is fixed, so it is a few constant headers on every response, and a little more on
a preflight ``OPTIONS``. flask-cors did this before, but it matched its resource patterns
and rebuilt its options for every response: 0.15 M instructions of the 1.17 M a whole
``ASK {}`` cost in the app (in process, measured with callgrind).
"""

from __future__ import annotations

from flask import Flask, Response, request

ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
# A query is POSTed as application/sparql-query, which is not a "simple" content type.
ALLOWED_REQUEST_HEADERS = ("Accept", "Content-Type")
EXPOSED_HEADERS = ("Link", "Content-Type", "ETag", "Vary", "S2S-Results-Truncated",
                   "Retry-After")
PREFLIGHT_MAX_AGE_S = 86400


def install_cors(app: Flask) -> None:
    """Add the CORS headers to every response ``app`` gives, error pages included."""
    exposed = ", ".join(EXPOSED_HEADERS)
    methods = ", ".join(ALLOWED_METHODS)
    allowed = {name.lower() for name in ALLOWED_REQUEST_HEADERS}

    @app.after_request
    def allow_any_origin(response: Response) -> Response:
        headers = response.headers
        # Added, not set: no view sets them, and setting scans the headers for a match.
        headers.add("Access-Control-Allow-Origin", "*")
        headers.add("Access-Control-Expose-Headers", exposed)
        environ = request.environ
        if environ["REQUEST_METHOD"] != "OPTIONS":
            return response
        # A preflight (Fetch §3.2.2): say what the real request may use.
        asked_method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "").upper()
        if asked_method not in ALLOWED_METHODS:
            return response
        headers["Access-Control-Allow-Methods"] = methods
        asked = [name.strip() for name in
                 environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",")]
        granted = [name for name in asked if name.lower() in allowed]
        if granted:
            headers["Access-Control-Allow-Headers"] = ", ".join(granted)
        headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
        return response
