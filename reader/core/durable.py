"""Crash-safe file replacement and strict JSON reading, for the store and anything else we save."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
from pathlib import Path
from typing import Any

import orjson

TEMP_SUFFIX = ".tmp"


class CorruptFileError(ValueError):
    """A file that exists but holds no valid JSON document (empty, truncated, garbage, NaN)."""


def temp_path_for(path: Path) -> Path:
    """A unique temporary name beside `path`, recognisable by `leftover_temp_files`."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}")


def leftover_temp_files(path: Path) -> list[Path]:
    """Temporary files of `path` that a crashed writer left behind."""
    prefix = f".{path.name}."
    try:
        entries = list(path.parent.iterdir())
    except FileNotFoundError:
        return []
    return [entry for entry in entries
            if entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX)]


def fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, keep_previous: Path | None = None) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file, whole.

    The data is written to a temporary file, flushed to disk, renamed over `path`, and the directory
    is flushed so the rename itself survives a power cut. With `keep_previous`, the file being
    replaced stays reachable under that name (a hard link: no copy is made).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(path)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_previous is not None and path.exists():
            _link_over(path, keep_previous)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    fsync_directory(path.parent)


def _link_over(source: Path, target: Path) -> None:
    link = temp_path_for(target)
    try:
        os.link(source, link)
    except OSError:  # file systems without hard links: fall back to a copy
        atomic_write_bytes(target, source.read_bytes())
        return
    os.replace(link, target)


def parse_json_strict(data: bytes) -> Any:
    """Parse JSON strictly: NaN, Infinity, a byte-order mark or trailing bytes are refused."""
    if not data.strip():
        raise CorruptFileError("is empty")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise CorruptFileError(
            f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def refuse_non_finite(value: Any) -> None:
    """Raise ValueError if `value` holds NaN or an infinity, which JSON cannot hold."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"refusing to write {value!r}: JSON cannot hold it")
    elif isinstance(value, dict):
        for item in value.values():
            refuse_non_finite(item)
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_non_finite(item)


def dump_json(value: Any, *, checked: bool = False) -> bytes:
    """Compact UTF-8 JSON. NaN and infinities are refused, not written (orjson would write null);
    `checked=True` skips that walk for data whose every part was checked on the way in."""
    if not checked:
        refuse_non_finite(value)
    return orjson.dumps(value)
