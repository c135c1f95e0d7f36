"""Whether the client of the current request is still connected. No other state here."""

from __future__ import annotations

import select
import socket
from collections.abc import Callable

from flask import request


def client_gone_check() -> Callable[[], bool] | None:
    """Return a check that this request's client has closed its connection, where the server
    lends us the socket (gunicorn does, as ``gunicorn.socket``); else None.

    A query or a validation whose client has gone is stopped rather than run to its time
    limit: people give up on slow work, and load generators drop their connections. The check peeks at the
    socket without reading: end of stream means the client has closed it; bytes waiting
    (a pipelined request) or none mean it is still there."""
    connection = request.environ.get("gunicorn.socket")
    if not isinstance(connection, socket.socket):
        return None

    def gone() -> bool:
        try:
            readable, _, _ = select.select([connection], [], [], 0)
            if not readable:
                return False
            # The plain socket's recv, also under TLS: a peek at the raw stream.
            return socket.socket.recv(connection, 1, socket.MSG_PEEK) == b""
        except (BlockingIOError, InterruptedError):
            return False
        except (OSError, ValueError):  # reset, or closed by the server
            return True

    return gone
