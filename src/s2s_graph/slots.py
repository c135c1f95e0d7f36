"""At most a few long queries at once, across every process of a server.

Long queries (a big join, a sort, an aggregate over all the data) are bound by the CPU and
allocate as they go: at 300k triples, one can take hundreds of MB. Four of them at once on
two cores each take twice as long as two would, and the server's memory holds all four. So
a query whose shape has lately been long (``s2s_graph.query_costs``) first takes one of as
many slots as the machine has cores, shared by every process forked from the one that made
them.

A slot is a lock (flock(2)) on an unlinked file made before the fork. Each taker opens the
file anew through ``/proc/self/fd``, so that takers in one process, even in one thread,
hold their locks apart; and the kernel lets go of a lock when the process holding it dies,
so a server worker killed mid-query cannot leak a slot. Where there is no ``/proc`` (not
Linux), there are no slots and nothing waits. No Flask here.

A taker that finds every slot held sleeps until one is let go: each release writes a byte
to a pipe, also made before the fork, that every waiter of every process watches. Asking
the locks every 2 ms instead cost a waiter 60 µs of CPU each time. At 300k triples, with
eight clients sending a 0.4-second query, each server worker spent 0.45 s of CPU in 4 s
on it, and the query ran at 2.5 to 3 answers a second; woken by the pipe, at 3.2 to 4.5.
A lock let go of by a process that died writes nothing; waiters look again every
``RECHECK_S``. A waiter whose client has gone stops waiting, so that no query runs for
nobody.
"""

from __future__ import annotations

import fcntl
import os
import select
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from s2s_graph.errors import Busy, ClientGone

RECHECK_S = 0.02  # for a slot let go of by a process that died, or a wake-up missed


def cores() -> int:
    """Return how many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Slots:
    """``count`` slots, to be taken with ``held``."""

    def __init__(self, count: int):
        self.count = count
        self._files = [_unlinked_file() for _ in range(count)]
        self._usable = os.path.exists(f"/proc/self/fd/{self._files[0]}")
        # A byte for each slot let go of: it wakes the waiters of every process.
        self._freed, self._free = self._pipe = os.pipe()
        for end in self._pipe:
            os.set_blocking(end, False)

    @contextmanager
    def held(self, wait_s: float, abandoned: Callable[[], bool] | None = None
             ) -> Iterator[float]:
        """Hold a slot for the body; yield the seconds spent waiting for it.

        :param abandoned: asked while waiting; True stops the wait (the client has gone).
        :raises Busy: none came free within ``wait_s``.
        :raises ClientGone: ``abandoned`` said so."""
        if not self._usable:
            yield 0.0
            return
        started = time.monotonic()
        descriptor = self._take(started + wait_s, abandoned)
        try:
            yield time.monotonic() - started
        finally:
            os.close(descriptor)
            try:
                os.write(self._free, b"\0")
            except BlockingIOError:  # the pipe is full: waiters have bytes to wake them
                pass

    def _try(self) -> int | None:
        """Take a free slot, if there is one: its descriptor."""
        for file in self._files:
            descriptor = os.open(f"/proc/self/fd/{file}", os.O_RDONLY)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return descriptor
            except BlockingIOError:
                os.close(descriptor)
        return None

    def _take(self, deadline: float, abandoned: Callable[[], bool] | None) -> int:
        while True:
            descriptor = self._try()
            if descriptor is not None:
                return descriptor
            left = deadline - time.monotonic()
            if left <= 0:
                raise Busy(f"the server runs {self.count} long queries at once and all are "
                           "taken; try again in a few seconds")
            if abandoned is not None and abandoned():
                raise ClientGone("the query was not run: the client closed the connection")
            if select.select([self._freed], [], [], min(left, RECHECK_S))[0]:
                try:  # every waiter woke: drain the bytes, so that none wakes for nothing
                    while os.read(self._freed, 4096):
                        pass
                except BlockingIOError:
                    pass

    def close(self) -> None:
        files, self._files = self._files, []
        pipe, self._pipe = self._pipe, ()
        for descriptor in (*files, *pipe):
            os.close(descriptor)


def _unlinked_file() -> int:
    """Return the descriptor of an empty file that has no name (gone when all its
    descriptors are closed)."""
    descriptor, path = tempfile.mkstemp(prefix="s2s-slot-")
    os.unlink(path)
    return descriptor
