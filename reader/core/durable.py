"""Crash-safe file replacement and strict JSON reading, for the store and anything else we save."""

from __future__ import annotations

import contextlib
import errno
import math
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

TEMP_SUFFIX = ".tmp"


class CorruptFileError(ValueError):
    """A file that exists but holds no valid JSON document (empty, truncated, garbage, NaN)."""


class NotRegularFileError(OSError):
    """A path that names a folder, a FIFO, a device or a socket where a file was expected."""


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(path: Path, mode: int) -> NotRegularFileError:
    kind = _kind_of(mode)
    reason = kind if kind.startswith("not ") else f"is {kind}, not a regular file"
    return NotRegularFileError(errno.EINVAL, reason, str(path))


def check_regular_or_absent(path: Path) -> None:
    """Raise `NotRegularFileError` if `path` (after symbolic links) exists and is not a regular
    file. Only a stat: a FIFO or a device is never opened, so this cannot block."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)


def read_regular_file(path: Path) -> bytes:
    """The bytes of the regular file at `path`; a FIFO, a device or a folder is refused with
    `NotRegularFileError` without waiting on it (a FIFO with no writer would block forever, and
    /dev/zero never ends)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
    except BaseException:
        os.close(fd)
        raise
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _not_regular(path, mode)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def can_write(path: Path) -> bool:
    """Whether this process may write `path` (a file, or a folder to create files in); a read-only
    file system answers no even for root."""
    return os.access(path, os.W_OK)


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same inode (hard links, symbolic links), or, when
    either does not exist yet, the same path once `..` and symbolic links are resolved."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.realpath(first) == os.path.realpath(second)
    except ValueError:  # a NUL in a typed path: no file can have that name
        return False


def write_target(path: Path) -> Path:
    """Where writing `path` lands: the file a symbolic link points to (followed to the end, also
    when it does not exist yet), so replacing it keeps the link; otherwise `path` itself."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def temp_path_for(path: Path) -> Path:
    """A unique temporary name beside `path`, recognisable by `leftover_temp_files`."""
    # os.urandom is what `secrets.token_hex` reads; importing `secrets` (and `hmac` with it)
    # cost the reader's start-up a millisecond, as this module is read with the session.
    return path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}{TEMP_SUFFIX}")


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


def fsync_file(path: Path) -> None:
    """Flush a file written earlier without `sync` to disk; a file gone since is no matter, and
    anything put in its place that is not a regular file is left alone (opening a FIFO to
    flush it would wait for a writer forever)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(
    path: Path, data: bytes | Iterable[bytes], *, keep_previous: Path | None = None,
    private: bool = False, sync: bool = True,
) -> None:
    """Replace `path` with `data` (bytes, or chunks of them) so that a crash leaves either the
    old or the new file, whole.

    The data is written to a temporary file, flushed to disk, renamed over `path`, and the directory
    is flushed so the rename itself survives a power cut. With `keep_previous`, the file being
    replaced stays reachable under that name (a hard link: no copy is made).

    A symbolic link is written through: its target is replaced, the link stays. Anything but a
    regular file (a device, a FIFO, a folder) is refused with `NotRegularFileError` rather than
    moved aside. A file that exists keeps its permissions (and owner, where allowed); a new one
    gets 0666 less the umask like any other tool's output, or 0600 when `private`.

    `sync=False` leaves flushing the file and the rename to disk to the caller (`fsync_file`,
    then `fsync_directory`): a crash of the process alone still leaves the old file or the new
    one, whole, but a power cut may lose either until they are flushed. For a caller who
    keeps what it wrote elsewhere on disk meanwhile (the store's journal).
    """
    path = write_target(path)
    try:
        existing: os.stat_result | None = path.stat()
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise _not_regular(path, existing.st_mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(path)
    # Created private when it will be made like an existing file, so its data is never more
    # visible than that file's; a new public file gets 0666 and the kernel applies the umask.
    creation_mode = 0o600 if private or existing is not None else 0o666
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, creation_mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            if existing is not None:
                _take_ownership_and_mode(handle.fileno(), existing)
            if isinstance(data, bytes):
                handle.write(data)
            else:  # written as made (an export, document by document)
                for chunk in data:
                    handle.write(chunk)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        if keep_previous is not None and path.exists():
            link_over(path, keep_previous)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    if sync:
        fsync_directory(path.parent)


def overwrite_from(path: Path, offset: int, data: bytes, *, expected_length: int) -> bool:
    """Make `path` its first `offset` bytes followed by `data`, in place (no new file, nothing
    flushed), so that what it costs follows `data`, not the file. Whether it did: nothing is
    written unless `path` is a regular file of `expected_length` bytes that no other name links
    to (a backup kept as a hard link would change too), and that this process may open for
    writing.

    Not atomic: a crash midway leaves the file cut anywhere between its old and its new bytes,
    so only a caller that can make the file again without reading it may use this (the store,
    from a copy and its journal)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except PermissionError:
        return False  # made read-only since: a rename of a whole new file still replaces it
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_nlink != 1 or (
            found.st_size != expected_length
        ):
            return False
        view = memoryview(data)
        position = offset
        while view:
            written = os.pwrite(fd, view, position)
            view, position = view[written:], position + written
        if position < expected_length:
            os.ftruncate(fd, position)
    finally:
        os.close(fd)
    return True


def _take_ownership_and_mode(fd: int, like: os.stat_result) -> None:
    if (like.st_uid, like.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.fchown(fd, like.st_uid, like.st_gid)
    os.fchmod(fd, stat.S_IMODE(like.st_mode))


def link_over(source: Path, target: Path) -> None:
    """Make `target` another name of the file `source` (a copy where hard links cannot be
    made), replacing whatever `target` was."""
    link = temp_path_for(target)
    try:
        os.link(source, link)
    except OSError:  # file systems without hard links: fall back to a copy
        atomic_write_bytes(target, source.read_bytes(), private=True)
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


_LEAF_TYPES = frozenset({str, int, bool, type(None)})


def refuse_non_finite(value: Any) -> None:
    """Raise ValueError if `value` holds NaN or an infinity, which JSON cannot hold."""
    # A loop over exact types first: the store checks every record it writes, and an import
    # writes a hundred thousand of them.
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind in _LEAF_TYPES:
            continue
        if kind is dict:
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError(f"refusing to write {item!r}: JSON cannot hold it")
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)


def dump_json(value: Any, *, checked: bool = False) -> bytes:
    """Compact UTF-8 JSON. NaN and infinities are refused, not written (orjson would write null);
    `checked=True` skips that walk for data whose every part was checked on the way in."""
    if not checked:
        refuse_non_finite(value)
    return orjson.dumps(value)
