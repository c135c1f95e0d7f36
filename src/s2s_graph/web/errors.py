"""Map errors to a status and a short plain message (HTML when a browser asked for HTML).

Domain exceptions get their status here; HTTP errors keep theirs. An unexpected exception
stays a 500: nothing here hides it.
"""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from s2s_graph.errors import (
    Busy,
    ClientGone,
    LoadError,
    QueryError,
    QueryRefused,
    RemoteStoreError,
    RemoteStoreTimeout,
    TimeLimitExceeded,
    UnsupportedFormat,
)
from s2s_graph.workers import WorkerCrashed

STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (QueryRefused, 403),
    (QueryError, 400),
    (LoadError, 400),
    (UnsupportedFormat, 406),
    (TimeLimitExceeded, 503),
    (Busy, 503),
    (WorkerCrashed, 503),
    (RemoteStoreError, 502),
    (RemoteStoreTimeout, 504),
    (ClientGone, 499),  # nginx's "client closed request": only the access log sees it
)
TITLES = {400: "Bad Request", 403: "Forbidden", 406: "Not Acceptable", 499: "Client Closed Request",
          502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def wants_html() -> bool:
    """Return True if the client prefers HTML to plain text (a browser)."""
    best = request.accept_mimetypes.best_match(["text/plain", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def error_response(status: int, title: str, message: str) -> Response:
    """Return an error as a short plain message, or a page when HTML is preferred."""
    if wants_html():
        body = render_template("errors/error.html", status=status, title=title, message=message)
        response = Response(body, status=status, mimetype="text/html")
    else:
        response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    response.vary.add("Accept")
    return response


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = error_response(error.code or 500, error.name, error.description or error.name)
        if error.code == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response

    for error_type, status in STATUS_BY_ERROR:
        def handler(error: Exception, status: int = status):
            response = error_response(status, TITLES[status], sentence(str(error)))
            if status in (503, 504):
                response.headers["Retry-After"] = "5"
            return response

        app.register_error_handler(error_type, handler)


def sentence(message: str) -> str:
    """Start a message with a capital and end it with a full stop."""
    message = message.strip()
    if message and message[0].islower():
        message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."
