"""Progress of a long extraction, told by the loader that knows it (pages read of a PDF).

A loader calls `report(done, total)` as it goes; whoever runs the extraction (the child process of
reader.formats.isolated) sets where the reports go with `reporting_to`. Nobody listening costs a
function call per page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

ProgressReport = Callable[[int, int], None]

_listener: ProgressReport | None = None


def report(done: int, total: int) -> None:
    """`done` of `total` units (pages) are read."""
    if _listener is not None:
        _listener(done, total)


@contextmanager
def reporting_to(listener: ProgressReport) -> Iterator[None]:
    """Reports made inside the block go to `listener`."""
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous
