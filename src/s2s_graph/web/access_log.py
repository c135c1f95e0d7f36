"""gunicorn's access log, written in blocks rather than a line at a time.

gunicorn flushes its log after every line: a write system call per request, which cost
about 40 µs of the 600 µs a cheap query takes in a server worker. As nginx does with
``access_log ... buffer= flush=``, lines are kept until a block is full or the oldest has
waited ``FLUSH_AFTER_S``; the worker's main loop, which wakes at least once a second, writes
a block that is due, and a worker that stops writes what it holds. A worker killed outright
(SIGKILL) loses at most its last second of lines.

Lines are formatted exactly as gunicorn formats them (``access_log_format``, its atoms).
Handlers that are not streams (syslog, a logging config of the operator's own) get each line
at once, as before.
"""

from __future__ import annotations

import threading
import time
import traceback

from gunicorn import glogging

# A block is written in one call; under PIPE_BUF (4096 bytes), so that the blocks of the
# server's workers never interleave in a pipe they share (POSIX write(2)).
BLOCK_BYTES = 4000
FLUSH_AFTER_S = 1.0


class BufferedAccessLogger(glogging.Logger):
    """gunicorn's logger, with the access log written in blocks (see the module)."""

    def __init__(self, cfg):
        super().__init__(cfg)
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._size = 0
        self._oldest: float | None = None  # when the first held line was kept

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        if not self._buffered():
            super().access(resp, req, environ, request_time)
            return
        try:
            atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
            line = self.cfg.access_log_format % atoms + "\n"
        except Exception:
            self.error(traceback.format_exc())
            return
        with self._lock:
            block = None
            if self._size + len(line) > BLOCK_BYTES:
                block = self._take()
            if not self._lines:
                self._oldest = time.monotonic()
            self._lines.append(line)
            self._size += len(line)
            if block is None and time.monotonic() - self._oldest >= FLUSH_AFTER_S:
                block = self._take()
        if block:
            self._write(block)

    def flush_access(self, *, force: bool = False) -> None:
        """Write the held lines if the oldest has waited long enough (any, if ``force``)."""
        oldest = self._oldest
        if oldest is None or (not force and time.monotonic() - oldest < FLUSH_AFTER_S):
            return
        with self._lock:
            block = self._take()
        if block:
            self._write(block)

    def reopen_files(self) -> None:
        """Write what is held to the old files before gunicorn reopens them (SIGUSR1)."""
        self.flush_access(force=True)
        super().reopen_files()

    def _buffered(self) -> bool:
        return all(hasattr(h, "stream") for h in self.access_log.handlers)

    def _take(self) -> str:
        """Return the held lines as one block and hold none (called under the lock)."""
        block = "".join(self._lines)
        self._lines, self._size, self._oldest = [], 0, None
        return block

    def _write(self, block: str) -> None:
        for handler in self.access_log.handlers:
            handler.acquire()
            try:
                handler.stream.write(block)
                handler.stream.flush()
            except Exception:
                self.error(f"could not write the access log:\n{traceback.format_exc()}")
            finally:
                handler.release()
