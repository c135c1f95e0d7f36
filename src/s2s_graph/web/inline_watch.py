"""Answer for a server worker's thread whose query ran past its time limit, and retire the
worker.

Queries whose shape has always cost little run in the server worker's own thread
(``s2s_graph.query_costs``). Oxigraph cannot stop a query, so one that costs far more than
its shape promised would hold its thread past the time limit. At the limit, this watch
answers the client in that thread's place, with the app's own 503 (the message, CORS and
``Retry-After`` a query worker's overrun gets), and closes the connection. Then the server
worker retires: it stops taking requests, finishes those it has, and exits, taking the
running query with it; gunicorn forks a fresh one.
"""

from __future__ import annotations

import email.utils
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request

from s2s_graph.errors import ClientGone, TimeLimitExceeded
from s2s_graph.web.cors import cors_headers

CHECK_EVERY_S = 0.05
DROPPED_HEADERS = ("connection", "content-length", "transfer-encoding")


class _Watching:
    """One query under an ``InlineWatch``, from entering to leaving."""

    __slots__ = ("watch", "entry")

    def __init__(self, watch: InlineWatch, entry: _Watched):
        self.watch = watch
        self.entry = entry

    def __enter__(self) -> None:
        self.watch._add(self.entry)

    def __exit__(self, kind, error, trace) -> bool:
        self.watch._discard(self.entry)
        if kind is None and self.entry.answered:
            raise ClientGone("the query ran past its time limit and was answered already")
        return False


@dataclass(eq=False)
class _Watched:
    deadline: float
    limit_s: float
    environ: dict
    answered: bool = False


class InlineWatch:
    """Watches the queries a server worker runs in its own threads."""

    def __init__(self, app: Flask, retire: Callable[[int], None], log: Callable[..., None]):
        """:param retire: makes the worker stop taking requests and exit, given how many of
            its threads hold queries past their limit.
        :param log: ``logging``-style, for the overrun (it has no access log line)."""
        self._app = app
        self._retire = retire
        self._log = log
        self._running: set[_Watched] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watching(self, time_limit_s: float) -> _Watching:
        """Watch the query the calling thread runs for the request being answered, as a
        context manager (a class, not a generator: this runs for every query).

        :raises ClientGone: on leaving, if the query ran past its limit, so its client has
            had a 503 already and the connection is closed; nothing more can be sent."""
        return _Watching(self, _Watched(time.monotonic() + time_limit_s, time_limit_s,
                                        request.environ))

    def _add(self, entry: _Watched) -> None:
        with self._lock:
            self._running.add(entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, daemon=True,
                                                name="inline query watch")
                self._thread.start()

    def _discard(self, entry: _Watched) -> None:
        with self._lock:
            self._running.discard(entry)

    def _watch(self) -> None:
        while True:
            time.sleep(CHECK_EVERY_S)
            now = time.monotonic()
            with self._lock:
                overdue = [e for e in self._running if e.deadline <= now and not e.answered]
                for entry in overdue:
                    entry.answered = True
            for entry in overdue:
                self._answer(entry)
            if overdue:
                self._retire(len(overdue))

    def _answer(self, entry: _Watched) -> None:
        """Send the 503 the app gives for a query past its time limit, then close."""
        environ = entry.environ
        error = TimeLimitExceeded("The query", entry.limit_s)
        self._log("%s %s: a query run in the server worker went past its limit of %g s; "
                  "answered 503 and replacing the worker", environ.get("REQUEST_METHOD"),
                  environ.get("PATH_INFO"), entry.limit_s)
        try:
            with self._app.request_context(environ):
                response = self._app.make_response(self._app.handle_user_exception(error))
                response = self._app.process_response(response)
                body = response.get_data()
            # What the WSGI layer around the app adds to an answer that is not cacheable.
            response.headers.extend(cors_headers(environ))
            lines = [f"HTTP/1.1 {response.status}",
                     f"Date: {email.utils.formatdate(usegmt=True)}"]
            lines += [f"{name}: {value}" for name, value in response.headers.items()
                      if name.lower() not in DROPPED_HEADERS]
            lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
            if environ.get("REQUEST_METHOD") == "HEAD":
                body = b""
            client: socket.socket = environ["gunicorn.socket"]
            client.sendall("\r\n".join(lines).encode("latin-1") + body)
            client.shutdown(socket.SHUT_RDWR)
        except Exception as failure:  # the client may be gone; the worker retires anyway
            self._log("could not answer the overrun query: %s", failure)
