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
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from s2s_graph.errors import Busy

POLL_S = 0.002


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

    @contextmanager
    def held(self, wait_s: float) -> Iterator[float]:
        """Hold a slot for the body; yield the seconds spent waiting for it.

        :raises Busy: none came free within ``wait_s``."""
        if not self._usable:
            yield 0.0
            return
        started = time.monotonic()
        descriptor = self._take(started + wait_s)
        try:
            yield time.monotonic() - started
        finally:
            os.close(descriptor)

    def _take(self, deadline: float) -> int:
        while True:
            for file in self._files:
                descriptor = os.open(f"/proc/self/fd/{file}", os.O_RDONLY)
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return descriptor
                except BlockingIOError:
                    os.close(descriptor)
            if time.monotonic() >= deadline:
                raise Busy(f"the server runs {self.count} long queries at once and all are "
                           "taken; try again in a few seconds")
            time.sleep(POLL_S)

    def close(self) -> None:
        files, self._files = self._files, []
        for file in files:
            os.close(file)


def _unlinked_file() -> int:
    """Return the descriptor of an empty file that has no name (gone when all its
    descriptors are closed)."""
    descriptor, path = tempfile.mkstemp(prefix="s2s-slot-")
    os.unlink(path)
    return descriptor
