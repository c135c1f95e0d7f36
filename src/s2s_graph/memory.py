"""What a process holds of its own, and handing freed memory back to the system (Linux and
glibc; elsewhere the answers are None and nothing is handed back).

Processes forked from the one that loaded the in-memory store share its pages until they
write to them, and reading Oxigraph's in-memory store writes to the pages it reads (each
stored quad holds a lock). So the memory a forked process holds of its own grows with what
it has read, and a fresh fork is the way to share the store again. No Flask here.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def own_memory_mib() -> float | None:
    """Return the memory of this process that no other process shares, in MiB (Linux's
    ``smaps_rollup``), or None where the system does not say. Reading it costs about 4 ms
    at 3M triples."""
    kib = 0
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    kib += int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return kib / 1024


def heap_trimmer() -> Callable[[], object]:
    """Return a function that hands the free memory of this process's heap back to the
    system (glibc's ``malloc_trim``), or does nothing where there is no such call.

    A long query (a big join, a sort, an aggregate) makes Oxigraph allocate hundreds of MB,
    which it frees once the answer is written; but glibc keeps freed memory for reuse, so
    each child held on to the most its biggest query ever took, and a server's memory grew
    to the sum of those peaks."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return lambda: None
    return lambda: trim(0)
