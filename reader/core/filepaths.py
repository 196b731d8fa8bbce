"""Absolute paths for files the user names, without failing on symbolic-link loops."""

from __future__ import annotations

import os
from pathlib import Path


def resolved_path(path: str | os.PathLike[str]) -> Path:
    """`path` expanded, absolute and with its links followed, as far as they can be followed.

    `Path.resolve()` raises on a symbolic-link loop (RuntimeError up to Python 3.12, OSError
    from 3.13), which every caller would have to know; here a loop stays in the path as it is,
    so the error comes from opening the file, where it is reported as one line.
    """
    candidate = Path(path).expanduser()
    try:
        return candidate.resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(candidate))
