"""Domain exceptions. No HTTP statuses and no exit codes here: ``cli`` and ``web.errors`` map them."""

from __future__ import annotations


class S2SError(Exception):
    """Base of every error this package raises on purpose."""


class LoadError(S2SError):
    """A source file is missing, unreadable or not valid RDF.

    :param path: the file, as the user named it.
    :param line: 1-based line of the error, where the parser gives it.
    :param column: 1-based column, where the parser gives it.
    """

    def __init__(self, path: str, reason: str, line: int | None = None, column: int | None = None):
        self.path = path
        self.reason = reason
        self.line = line
        self.column = column
        where = path
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):
        # Rebuilt from its fields when it crosses a process boundary (s2s_graph.workers).
        return (type(self), (self.path, self.reason, self.line, self.column))


class DataInvalid(S2SError):
    """The data does not conform to the shapes; carries the validation report."""

    def __init__(self, report: object):
        self.report = report
        super().__init__("the data does not conform to the shapes")


class UnsupportedFormat(S2SError):
    """A format name, suffix or media type that we do not read or write."""


class QueryError(S2SError):
    """A SPARQL query that cannot be parsed or run; ``line`` and ``column`` where known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        super().__init__(message)

    def __reduce__(self):
        return (type(self), (str(self), self.line, self.column))


class QueryRefused(QueryError):
    """A well-formed request that this read-only service will not run (updates, SERVICE)."""


class BuildError(S2SError):
    """The build output cannot be written."""


class TimeLimitExceeded(S2SError):
    """Work ran past its time limit and was stopped."""

    def __init__(self, what: str, limit_s: float):
        self.what = what
        self.limit_s = limit_s
        super().__init__(f"{what} took longer than the limit of {limit_s:g} s and was stopped")

    def __reduce__(self):
        return (type(self), (self.what, self.limit_s))


class Busy(S2SError):
    """Every worker that could do this is busy; try again shortly."""


class ClientGone(S2SError):
    """The client closed its connection before the answer was ready, so the work was
    stopped (logged as 499, nginx's "client closed request"; nobody reads the answer)."""


class RemoteStoreError(S2SError):
    """The remote SPARQL store is down or failed (answered as 502 Bad Gateway)."""


class RemoteStoreTimeout(S2SError):
    """The remote SPARQL store did not answer in time (answered as 504 Gateway Timeout)."""
