"""Caching what a release answers. A release never changes, so an answer computed once stays
right for as long as the process serves that release: no invalidation, only a size bound.

- ``LruCache``: a thread-safe store of values bounded by their total size in bytes, which
  keeps a cheap value only once its key is asked for again;
- ``CachingStore``: a ``GraphStore`` that remembers user queries' answers, keyed by the
  normalised query (``s2s_graph.sparql.normalise_query``: the same query however it is
  spaced or commented), the dataset and the format.

No Flask here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from s2s_graph.answers import QueryAnswer
from s2s_graph.errors import ClientGone, TimeLimitExceeded
from s2s_graph.sparql import normalise_query

# A value that took this much work to make (CPU seconds where it was made, or the wait for a
# remote store) is kept at once; replaying one costs about a tenth of a millisecond.
KEEP_AT_ONCE_S = 0.002
# How many keys that missed are remembered (as hashes, about 1.5 MB at most); past that the
# memory of them is cleared.
MISSES_KEPT = 16384


class LruCache:
    """Values by key, the least recently used dropped once their sizes pass ``max_bytes``.

    Most queries sent to an open endpoint are asked once (a script's lookups, each of another
    entity), and kept at once they would push out the repeated ones (dashboards, example
    queries) and fill each server worker's bound. So a value that was cheap to make is kept
    only for a key that missed before (the "doorkeeper" of TinyLFU, Einziger and Friedman,
    2015), and one that was costly is kept at once: asked for again, it would be made again
    at that cost in each server worker (``worth_keeping``).
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._missed: dict[int, bool] = {}  # hash of a key that missed: whether it missed again
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                digest = hash(key)
                if len(self._missed) >= MISSES_KEPT and digest not in self._missed:
                    self._missed.clear()
                self._missed[digest] = digest in self._missed
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def worth_keeping(self, key: Hashable, cost_s: float) -> bool:
        """Whether the value for ``key``, which just missed (``get``) and took ``cost_s`` to
        make, should be kept: it cost ``KEEP_AT_ONCE_S`` or more, or its key missed before."""
        return cost_s >= KEEP_AT_ONCE_S or self._missed.get(hash(key), False)

    def put(self, key: Hashable, value: object, size: int) -> None:
        """Keep ``value``, unless it alone is over a quarter of the bound."""
        if size * 4 > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes


def answer_size(answer: QueryAnswer) -> int:
    """Estimate the memory an answer holds (its body, or its rows for a page)."""
    if answer.body is not None:
        return len(answer.body) + 200
    return 200 + sum(64 + sum(len(str(term)) + 64 for term in row) for row in answer.rows)


class _Flight:
    """One computation of an answer that other requests for the same answer wait for.

    ``done`` is a plain lock held until the answer (or error) is in: one is made for every
    query, and an Event costs ten times as much to make."""

    __slots__ = ("done", "answer", "error", "waiting")

    def __init__(self) -> None:
        self.done = threading.Lock()
        self.done.acquire()
        self.answer: QueryAnswer | None = None
        self.error: BaseException | None = None
        self.waiting = 0  # requests that joined it

    def finish(self) -> None:
        self.done.release()

    def wait(self, timeout_s: float) -> bool:
        """Wait until the computation is over; False if ``timeout_s`` passed first."""
        if not self.done.acquire(timeout=timeout_s):
            return False
        self.done.release()  # for the next waiter
        return True


class CachingStore:
    """A store whose user queries' answers are remembered (other calls go straight through).

    Only answers are kept (those ``LruCache.worth_keeping``): a query that fails, is refused
    or runs out of time is asked again next time. The key holds everything the answer depends
    on but the time limit, which only decides whether an answer comes at all.

    Requests for an answer that is being computed wait for it rather than compute it again
    (and share its error, if it fails): otherwise a burst of requests for one slow query,
    the usual pattern of a dashboard or an example link, would run it once per request at
    the same time, and all of them would run out of time together. A computation is stopped
    when its client goes only if no other request waits for it.
    """

    def __init__(self, store, cache: LruCache):
        self.inner = store
        self.kind = store.kind
        self.cache = cache
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def answer(self, query, format_name, default_graph_uris, named_graph_uris, max_rows,
               page_rows, prefixes, time_limit_s, wait_s, abandoned=None) -> QueryAnswer:
        key = ("answer", normalise_query(query), format_name, tuple(default_graph_uris),
               tuple(named_graph_uris), max_rows, page_rows)
        while True:
            cached = self.cache.get(key)
            if cached is not None:
                return cached
            with self._lock:
                flight = self._flights.get(key)
                leading = flight is None
                if leading:
                    flight = self._flights[key] = _Flight()
                else:
                    flight.waiting += 1
            if leading:
                break
            try:
                return self._join(flight, time_limit_s + wait_s)
            except ClientGone:  # the leader's client went; compute it for ours
                continue
        try:
            flight.answer = self.inner.answer(
                query, format_name, default_graph_uris, named_graph_uris, max_rows, page_rows,
                prefixes, time_limit_s, wait_s,
                None if abandoned is None else lambda: not flight.waiting and abandoned())
            if self.cache.worth_keeping(key, flight.answer.cost_s):
                self.cache.put(key, flight.answer, answer_size(flight.answer))
            return flight.answer
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.finish()

    @staticmethod
    def _join(flight: _Flight, limit_s: float) -> QueryAnswer:
        """Wait for another request's computation of the same answer, within this request's
        own limit."""
        if not flight.wait(limit_s):
            raise TimeLimitExceeded("The query", limit_s)
        if flight.error is not None:
            raise flight.error
        return flight.answer

    def select(self, query: str) -> list[tuple]:
        return self.inner.select(query)

    def select_values(self, query: str) -> list[tuple]:
        return self.inner.select_values(query)

    def construct(self, query: str):
        return self.inner.construct(query)

    def prepare(self, watch=None) -> None:
        self.inner.prepare(watch)

    def guard_with(self, guard) -> None:
        self.inner.guard_with(guard)

    def connections(self) -> tuple[tuple[str, int], ...]:
        return self.inner.connections()

    def close(self) -> None:
        self.inner.close()
