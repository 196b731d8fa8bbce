"""Pausing Python's cyclic garbage collector around bulk work on the store's records."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_pauses = 0
_was_enabled = True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, then switch it back on as it was.

    Bulk work (importing or exporting a hundred thousand passages) makes millions of small
    objects that all live to the end of the block; the collector, started again and again by
    their number alone, walks every one of them each time and finds nothing to free (records
    hold no cycles), which took 40% of an import. Memory is still freed by reference counting;
    any cycle made meanwhile is collected once the collector is back on. Pauses may overlap
    (an import in one thread, an export in another): the last one to end restores it.
    """
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
