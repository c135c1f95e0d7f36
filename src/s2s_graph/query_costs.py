"""Which queries a server worker may run in its own thread: those whose shape has cost little.

A query sent to a query worker costs two process wake-ups and two pickles, about 220 µs of
CPU in all, where Oxigraph answers an entity lookup in 10 to 20 µs. The query worker is
there so that a query past its time limit can be killed, which Oxigraph cannot do to a query
in a thread. So a query runs in the server worker only when queries of its shape
(``s2s_graph.sparql.query_shape``) have lately run in under ``INLINE_BELOW_S``: the data of a
release never changes, and queries that differ only in the entities and strings they name
mostly cost about the same. The first query of a shape always goes to a query worker. A
query that costs more than its shape promised is still answered at its time limit
(``s2s_graph.web.inline_watch``), and moves its shape back to the query workers.

The cost kept is a running mean that halves the weight of each older query: a child's first
query after it starts can take several times its usual time, and a shape that turns out slow
must leave the server worker at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

INLINE_BELOW_S = 0.005
LONG_FROM_S = 0.25  # a query this long first takes a slot (s2s_graph.slots)
SHAPES_KEPT = 4096  # about 1 MB of shapes at most


class QueryCosts:
    """What each query shape lately cost, for the ``SHAPES_KEPT`` shapes last seen."""

    def __init__(self, size: int = SHAPES_KEPT):
        self._size = size
        self._cost: OrderedDict[Hashable, float] = OrderedDict()
        self._lock = threading.Lock()

    def cheap(self, key: Hashable) -> bool:
        """Whether queries of this key lately ran in under ``INLINE_BELOW_S``."""
        cost = self._cost.get(key)
        return cost is not None and cost < INLINE_BELOW_S

    def maybe_long(self, key: Hashable) -> bool:
        """Whether queries of this key lately ran for ``LONG_FROM_S`` or more, or none has
        run yet: a burst of one new query (a dashboard's first load, a script) would
        otherwise start them all at once."""
        cost = self._cost.get(key)
        return cost is None or cost >= LONG_FROM_S

    def record(self, key: Hashable, seconds: float) -> None:
        """Note that a query of this key took ``seconds`` to run and write its answer."""
        with self._lock:
            before = self._cost.get(key)
            self._cost[key] = seconds if before is None else (before + seconds) / 2
            self._cost.move_to_end(key)
            if len(self._cost) > self._size:
                self._cost.popitem(last=False)
