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


class QueryRefused(QueryError):
    """A well-formed request that this read-only service will not run (updates, SERVICE)."""


class BuildError(S2SError):
    """The build output cannot be written."""
