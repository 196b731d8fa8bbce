"""An append-only journal of checksummed lines, fsynced: the commit point of the store's changes."""

from __future__ import annotations

import contextlib
import os
import secrets
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from reader.core.durable import atomic_write_bytes, dump_json, fsync_directory


class JournalDamagedError(ValueError):
    """A line other than the last is not what was written: the journal cannot be trusted past it."""


def _line(payload: dict[str, Any]) -> bytes:
    body = dump_json(payload, checked=True)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def _parse_line(line: bytes) -> dict[str, Any] | None:
    """The payload of a whole line, or None when it is not the line that was written."""
    if len(line) < 10 or line[8:9] != b" " or not line.endswith(b"\n"):
        return None
    body = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        payload = orjson.loads(body)
    except (ValueError, orjson.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


@dataclass
class JournalContents:
    """What a journal file holds: its header (epoch and owner), its entries, and how many bytes
    of it are whole lines (a torn last line, cut by a crash mid-append, lies beyond)."""

    epoch: str
    header: dict[str, Any]
    entries: list[dict[str, Any]] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # where each entry ends
    good_length: int = 0
    torn: bool = False


def read_journal(data: bytes) -> JournalContents:
    """Parse a journal. A damaged last line is a torn append (the step was never acknowledged:
    its writer died before the fsync returned); a damaged line before it is damage."""
    lines = data.splitlines(keepends=True)
    if not lines:
        raise JournalDamagedError("is empty")
    header = _parse_line(lines[0])
    if header is None or not isinstance(header.get("journal"), str):
        raise JournalDamagedError("does not begin with a journal header")
    contents = JournalContents(epoch=header["journal"], header=header,
                               good_length=len(lines[0]))
    position = len(lines[0])
    for number, line in enumerate(lines[1:], start=2):
        entry = _parse_line(line)
        if entry is None:
            if number == len(lines):
                contents.torn = True
                break
            raise JournalDamagedError(f"has a damaged line (line {number} of {len(lines)})")
        position += len(line)
        contents.entries.append(entry)
        contents.offsets.append(position)
        contents.good_length = position
    return contents


def new_journal_bytes(**header: Any) -> tuple[str, bytes]:
    """A fresh journal's header line, with a new epoch: (epoch, bytes)."""
    epoch = secrets.token_hex(8)
    return epoch, _line({"journal": epoch, **header})


def write_new_journal(path: Path, **header: Any) -> tuple[str, int]:
    """Replace the journal at `path` by an empty one (atomically): (its epoch, its length)."""
    epoch, data = new_journal_bytes(**header)
    atomic_write_bytes(path, data, private=True)
    return epoch, len(data)


def append_entry(path: Path, entry: dict[str, Any], *, expected_length: int) -> int:
    """Append one entry and fsync it; the journal's new length. Bytes beyond `expected_length`
    (a torn append of a writer that died) are cut off first, so the entry follows whole lines."""
    line = _line(entry)
    fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(fd).st_size
        if size != expected_length:
            # Only a torn last line (no line end in it) may be cut: anything else means the
            # journal changed under the lock, and cutting it could drop another's step.
            tail = os.pread(fd, size - expected_length, expected_length) if (
                size > expected_length) else b"\n"
            if b"\n" in tail:
                raise JournalDamagedError(
                    f"changed while it was locked (expected {expected_length} bytes, found {size})"
                )
            os.ftruncate(fd, expected_length)
        try:
            os.lseek(fd, expected_length, os.SEEK_SET)
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            # Whatever part of the line reached the file is a torn line: cut it off now if we can.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, expected_length)
            raise
    finally:
        os.close(fd)
    return expected_length + len(line)


def truncate_to(path: Path, length: int) -> None:
    """Cut a torn last line off, durably."""
    with open(path, "r+b") as handle:
        handle.truncate(length)
        handle.flush()
        os.fsync(handle.fileno())
    fsync_directory(path.parent)


WRITTEN = "written"
"""A mark: every step before it reached its files (which may not be flushed to disk yet)."""
DONE = "done"
"""A mark: every step before it reached its files, flushed to disk."""


def mark_line(mark: str) -> bytes:
    """The line of a mark (WRITTEN or DONE). Readers of older versions take it for a step that
    changes nothing."""
    return _line({mark: 1})
