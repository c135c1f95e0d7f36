"""Run the app under gunicorn, the production WSGI server (not Flask's development server).

The app is created once in the master process (``preload_app``), so the graph is loaded and
validated once and invalid data stops the server before it listens; workers share the
read-only graph by fork. A worker that has come to hold too much memory of its own is
replaced by a fresh fork (``ThreadWorkerWith414.renew_if_grown``), and so is one whose own
thread runs a query past its time limit (``s2s_graph.web.inline_watch``).
"""

from __future__ import annotations

import os
import select
import time

from flask import Flask
from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

from s2s_graph.settings import Settings
from s2s_graph.web.access_log import BufferedAccessLogger
from s2s_graph.web.inline_watch import InlineWatch
from s2s_graph.workers import heap_trimmer

ACCEPT_DEFERRAL_S = 0.002
MEMORY_CHECK_EVERY_S = 5.0  # reading it costs about 4 ms at 3M triples, a trim up to 4 ms
# How long a thread that has answered a kept-alive connection waits for its next request
# before handing the connection back to the main loop. Clients of an API send the next one
# within a millisecond or two; a waiting thread sleeps, and wakes for any new connection.
NEXT_REQUEST_WAIT_S = 0.005


def own_memory_mib() -> float | None:
    """Return the memory of this process that no other process shares, in MiB (Linux's
    ``smaps_rollup``), or None where the system does not say."""
    kib = 0
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    kib += int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return kib / 1024


class ThreadWorkerWith414(ThreadWorker):
    """gunicorn's threaded worker, answering an over-long request line with 414 URI Too Long
    (RFC 9110 §15.5.15) rather than gunicorn's generic 400, and saying what to do instead;
    and leaving new connections to a less busy worker.

    Every worker waits on the same listening socket, and whichever wakes first accepts: a
    burst of keep-alive connections (a proxy's pool, a load generator) can all land on one
    worker, which then serves them alone on one core while the others idle. A worker that
    already holds as many connections as it has threads gives the others a moment to
    accept first. Its access log is written in blocks (``s2s_graph.web.access_log``), and a
    thread answers a kept-alive connection's next request itself (``handle``)."""

    memory_checked = 0.0
    give_back = staticmethod(heap_trimmer())
    overran = False  # a query in one of its threads ran past its limit; it cannot be stopped

    def notify(self) -> None:
        """Tell the arbiter this worker is alive (each turn of the main loop, at least once a
        second), and write the access log lines that are due."""
        super().notify()
        self.log.flush_access()
        self.renew_if_grown()

    def renew_if_grown(self) -> None:
        """Stop taking requests once this worker holds more memory of its own than
        ``S2S_WORKER_MEMORY_MIB``: it finishes the requests it has, exits, and gunicorn forks
        a fresh one from the master, which shares the store again (as gunicorn's
        ``max_requests`` does, but only when needed).

        Reading Oxigraph's in-memory store writes to the pages it reads, so a worker that
        renders pages slowly copies the store it shares: at 300k triples, a crawl of 30,000
        ``/doc/`` pages made 71 MiB of the master's heap the worker's own, and a worker could
        in time hold a whole copy of a big store.

        First the free memory of its heap goes back to the system: glibc keeps what a
        request freed (a big page, a long answer) for reuse, in an arena per thread, and at
        300k triples, after the benchmark's mix, a trim gave back 32 to 38 MiB of a worker's
        200."""
        now = time.monotonic()
        if not self.alive or now - self.memory_checked < MEMORY_CHECK_EVERY_S:
            return
        self.memory_checked = now
        self.give_back()
        limit = self.wsgi.extensions["s2s_graph"].settings.worker_memory_mib
        own = own_memory_mib() if limit > 0 else None
        if own is not None and own > limit:
            self.log.info("Worker %s holds %.0f MiB of its own, over S2S_WORKER_MEMORY_MIB=%d: "
                          "replacing it with a fresh one", self.pid, own, limit)
            self.alive = False

    def retire_after_overrun(self, queries: int) -> None:
        """Stop taking requests and exit once the others are answered: ``queries`` threads
        are held by queries past their limit, already answered (``InlineWatch``)."""
        self.overran = True
        # gunicorn 27 waits for every open connection before the worker exits; the held ones
        # will never be done, so they are let go of (in the main loop, which owns the count).
        method_queue = getattr(self, "method_queue", None)
        if method_queue is not None:
            method_queue.defer(self._let_go, queries)
        self.alive = False

    def _let_go(self, connections: int) -> None:
        self.nr_conns -= connections

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.log.flush_access(force=True)
        if self.overran:
            # A thread still runs its query, and the interpreter would wait for it at exit.
            os._exit(0)

    def handle(self, conn):
        """Answer the connection's requests for as long as the next one comes promptly.

        gunicorn hands a kept-alive connection back to its main loop after every request,
        which watches it and hands its next request to a thread again: two thread switches,
        a pipe and the poller's system calls. For a cheap query that was about an eighth of
        the server's CPU, and 0.35 of 0.91 ms at one connection. While the worker has a
        thread for each of its connections, no connection can be kept waiting by this."""
        keepalive = super().handle(conn)
        while keepalive is True and self.alive and self._next_request_comes(conn):
            keepalive = super().handle(conn)
        return keepalive

    def _next_request_comes(self, conn) -> bool:
        """Wait a moment for the connection's next request; give up at once when the worker
        has more connections than threads, or when a new connection is waiting."""
        if conn.is_http2 or self.nr_conns > self.cfg.threads:
            return False
        try:
            readable, _, _ = select.select([conn.sock, *self.sockets], [], [],
                                           NEXT_REQUEST_WAIT_S)
        except (OSError, ValueError):  # closed meanwhile
            return False
        return readable == [conn.sock]

    def accept(self, *args):  # (server, listener) in gunicorn 23, (listener) in 27
        if self.nr_conns >= self.cfg.threads:
            time.sleep(ACCEPT_DEFERRAL_S)
        super().accept(*args)

    def handle_error(self, req, client, addr, exc):
        if isinstance(exc, LimitRequestLine):
            self.log.warning("Request line too long from ip=%s: %s", (addr or ("",))[0], exc)
            try:
                util.write_error(client, 414, "URI Too Long",
                                 "The request line is over 8190 bytes. Send long SPARQL "
                                 "queries by POST.")
            except Exception:  # the client may be gone; gunicorn does the same
                self.log.debug("Failed to send error message.")
            return
        super().handle_error(req, client, addr, exc)


def _start_worker_pools(worker) -> None:
    """Start a server worker's query processes before it takes requests (and before it has
    threads, so that they can share its memory), so the first query does not wait for them;
    and let cheap queries run in its threads, watched. Validation processes start with the
    first validation: most servers seldom validate."""
    site = worker.wsgi.extensions["s2s_graph"]
    site.release.store.prepare(
        InlineWatch(worker.wsgi, worker.retire_after_overrun, worker.log.warning))


class GunicornServer(BaseApplication):
    """A gunicorn application serving one already created Flask app."""

    def __init__(self, app: Flask, settings: Settings):
        self.app = app
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        options = {
            "bind": f"{s.host}:{s.port}",
            "workers": s.workers,
            "threads": s.threads,
            "worker_class": f"{__name__}.ThreadWorkerWith414",
            "timeout": s.request_timeout_s,
            "graceful_timeout": 10,
            "keepalive": 5,
            "preload_app": True,
            # The longest request line gunicorn allows (default 4094): GET queries need room.
            "limit_request_line": 8190,
            "limit_request_fields": 100,
            "limit_request_field_size": 8190,
            "post_worker_init": _start_worker_pools,
            "accesslog": s.access_log or None,
            "logger_class": f"{BufferedAccessLogger.__module__}.{BufferedAccessLogger.__name__}",
            "errorlog": "-",
            "loglevel": "info",
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.app


def serve(app: Flask, settings: Settings) -> None:
    """Serve ``app`` until interrupted."""
    GunicornServer(app, settings).run()
