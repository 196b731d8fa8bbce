"""Asking the C allocator to give large freed blocks back to the system at once."""

from __future__ import annotations

import sys

# glibc's mallopt parameter: blocks of at least this many bytes get their own mapping.
_M_MMAP_THRESHOLD = -3
_LARGE_BLOCK = 128 * 1024

_done = False


def return_large_blocks() -> bool:
    """Make every block of 128 KiB or more its own mapping, unmapped when freed; True if the
    allocator took it (glibc on Linux), False elsewhere, where nothing changes.

    Reading a huge text makes and frees many blocks of a megabyte or so (a chunk read, decoded,
    written out). glibc serves the first from their own mappings, but raises its threshold with
    each one freed, and the rest then come from its heaps, which keep freed memory: 20 MB of a
    process's peak that no Python object held. A fixed threshold ends that; the cost is a
    mapping per large block, small beside reading the block.
    """
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # (here: only a huge document needs it)

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_MMAP_THRESHOLD, _LARGE_BLOCK))
    return _done
