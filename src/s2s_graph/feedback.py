"""Progress of long operations (a build, a bake, a push, a benchmark) on a terminal.

A bar for steps that know their size, a spinner for the others, all on stderr and gone when
the operation ends, so that only its one-line summary stays. Quiet when stderr is not a
terminal (CI logs, pipes): nothing is drawn at all. Used by the command line and the
benchmarks only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

Advance = Callable[[int], None]


def _nothing(_: int = 0) -> None:
    return None


class Feedback:
    """Steps of one operation, each shown while it runs."""

    def __init__(self, enabled: bool | None = None, unit: str = "bytes"):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._unit = unit

    def __enter__(self) -> Feedback:
        if self.enabled:
            size = DownloadColumn() if self._unit == "bytes" else \
                TextColumn("{task.completed:,.0f}/{task.total:,.0f} " + self._unit)
            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), size,
                TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._progress.start()
        return self

    def step(self, description: str, total: int | None = None) -> Advance:
        """Start a step (ending the one before); return what to call as work is done."""
        if self._progress is None:
            return _nothing
        if self._task is not None:
            self._progress.remove_task(self._task)
        task = self._task = self._progress.add_task(description, total=total)
        progress = self._progress
        return lambda amount=1: progress.advance(task, amount)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __exit__(self, *exc_info: object) -> None:
        self.close()
