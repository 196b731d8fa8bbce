"""A huge document's canonical text kept in a private temporary file, read a block at a time.

A 22 MB text held as a Python str takes 45 MB as soon as one character is outside Latin-1 (a
curly quote is enough), before any index or screen. `SpooledText` keeps the canonical text in
an unnamed temporary file as UTF-8 instead, with the byte offset of every block of
`BLOCK_CHARS` code points, and decodes only the blocks asked for, keeping the last few: what
the screen, a motion or an anchor needs. Toolong reads its files the same way.

It answers the part of `str` the reader uses on a document's text (`len`, indexing and
slicing, `find`, `rfind`, `count`, `startswith`, `endswith`), with the same results, and
regular expressions run over it through `reader.core.windowed_regex`. Offsets are code points
of the canonical text, exactly as for a str.

The file is ours alone (nobody can edit it under us, as they could the document), it has no
name once created, so a crash leaves nothing behind, and it is closed when the text is let go.
"""

from __future__ import annotations

import hashlib
import os
import threading
import weakref
from array import array
from collections import OrderedDict
from typing import IO, overload

from reader.core.line_starts import add_line_starts

# Code points per block: a screen or a motion reads one or two; a block costs at most 256 KB
# decoded (four bytes a character), usually 64 KB or 128 KB.
BLOCK_CHARS = 1 << 16
# Decoded blocks kept: the screen, where the cursor is, and what a search or scan reads next.
CACHED_BLOCKS = 8


class SpooledText:
    """The canonical text of a document, in a private temporary file (see the module)."""

    __slots__ = ("_file", "_fd", "_byte_starts", "_length", "_cache", "_lock", "sha256",
                 "line_starts", "__weakref__")

    def __init__(
        self, file: IO[bytes], byte_starts: array[int], length: int, sha256: str,
        line_starts: array[int],
    ) -> None:
        self._file = file
        self._fd = file.fileno()
        # byte_starts[i]: where block i begins in the file; the last entry is the file's size.
        self._byte_starts = byte_starts
        self._length = length
        self._cache: OrderedDict[int, str] = OrderedDict()
        # The app's thread draws while a worker searches: the cache is shared by both.
        self._lock = threading.Lock()
        self.sha256 = sha256
        # Where each line starts, found while the text was written (see `SpoolWriter`).
        self.line_starts = line_starts
        weakref.finalize(self, file.close)

    def __repr__(self) -> str:
        return f"SpooledText({self._length:,} characters)"

    def __len__(self) -> int:
        return self._length

    def __bool__(self) -> bool:
        return self._length > 0

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SpooledText):
            return self is other or (self._length == other._length and self.sha256 == other.sha256)
        if isinstance(other, str):
            return len(other) == self._length and self[:] == other
        return NotImplemented

    # ------------------------------------------------------------------ reading blocks

    def _block(self, number: int) -> str:
        with self._lock:
            cached = self._cache.get(number)
            if cached is not None:
                self._cache.move_to_end(number)
                return cached
            start, end = self._byte_starts[number], self._byte_starts[number + 1]
            data = os.pread(self._fd, end - start, start)
            if len(data) != end - start:
                raise OSError(f"the spooled text ended early at block {number}")
            block = data.decode("utf-8", "surrogatepass")
            self._cache[number] = block
            if len(self._cache) > CACHED_BLOCKS:
                self._cache.popitem(last=False)
            return block

    def _slice(self, start: int, stop: int) -> str:
        if start >= stop:
            return ""
        first, last = start // BLOCK_CHARS, (stop - 1) // BLOCK_CHARS
        if first == last:
            base = first * BLOCK_CHARS
            return self._block(first)[start - base : stop - base]
        pieces = [self._block(first)[start - first * BLOCK_CHARS :]]
        pieces.extend(self._block(number) for number in range(first + 1, last))
        pieces.append(self._block(last)[: stop - last * BLOCK_CHARS])
        return "".join(pieces)

    @overload
    def __getitem__(self, key: int) -> str: ...
    @overload
    def __getitem__(self, key: slice) -> str: ...
    def __getitem__(self, key: int | slice) -> str:
        if isinstance(key, slice):
            start, stop, step = key.indices(self._length)
            if step != 1:  # (nothing reads a document backwards or by steps: made whole)
                return self._slice(0, self._length)[key]
            return self._slice(start, stop)
        index = key + self._length if key < 0 else key
        if not 0 <= index < self._length:
            raise IndexError("string index out of range")
        return self._block(index // BLOCK_CHARS)[index % BLOCK_CHARS]

    # ------------------------------------------------------------------ str's searches

    def _bounds(self, start: int | None, end: int | None) -> tuple[int, int]:
        """`start` and `end` as str's methods take them: `start` may lie past the end (an empty
        needle is then not found), `end` is clamped to the text."""
        length = self._length
        low = 0 if start is None else max(0, start + length if start < 0 else start)
        high = length if end is None else min(max(0, end + length if end < 0 else end), length)
        return low, high

    def find(self, sub: str, start: int | None = None, end: int | None = None) -> int:
        low, high = self._bounds(start, end)
        if not sub:
            return low if low <= high else -1
        size = len(sub)
        position = low
        while position + size <= high:
            number = position // BLOCK_CHARS
            base = number * BLOCK_CHARS
            block_end = min(high, base + BLOCK_CHARS)
            # In the block itself, not a copy of the rest of it: a loop finding each line break
            # or each of 100,000 matches would copy 32 K characters a call.
            found = self._block(number).find(sub, position - base, block_end - base)
            if found != -1:
                return base + found
            if size > 1 and block_end < high:  # one that begins here and ends in the next
                edge = max(position, block_end - size + 1)
                found = self._slice(edge, min(high, block_end + size - 1)).find(sub)
                if found != -1:
                    return edge + found
            position = block_end
        return -1

    def rfind(self, sub: str, start: int | None = None, end: int | None = None) -> int:
        low, high = self._bounds(start, end)
        if not sub:
            return high if low <= high else -1
        size = len(sub)
        limit = high  # no match begins at or after this
        while limit > low:
            number = (limit - 1) // BLOCK_CHARS
            base = number * BLOCK_CHARS
            block_start = max(low, base)
            if size > 1 and limit < high:  # one that begins in this block and ends in the next
                edge = max(block_start, limit - size + 1)
                found = self._slice(edge, min(high, limit + size - 1)).rfind(sub)
                if found != -1:
                    return edge + found
            found = self._block(number).rfind(sub, block_start - base, limit - base)
            if found != -1:
                return base + found
            limit = block_start
        return -1

    def __contains__(self, sub: str) -> bool:
        return self.find(sub) != -1

    def index(self, sub: str, start: int | None = None, end: int | None = None) -> int:
        found = self.find(sub, start, end)
        if found == -1:
            raise ValueError("substring not found")
        return found

    def count(self, sub: str, start: int | None = None, end: int | None = None) -> int:
        low, high = self._bounds(start, end)
        if not sub:
            return high - low + 1 if low <= high else 0
        total = 0
        position = self.find(sub, low, high)
        while position != -1:
            total += 1
            position = self.find(sub, position + len(sub), high)
        return total

    def startswith(
        self, prefix: str | tuple[str, ...], start: int | None = None, end: int | None = None
    ) -> bool:
        low, high = self._bounds(start, end)
        prefixes = (prefix,) if isinstance(prefix, str) else prefix
        return any(
            low + len(each) <= high and self._slice(low, low + len(each)) == each
            for each in prefixes
        )

    def endswith(
        self, suffix: str | tuple[str, ...], start: int | None = None, end: int | None = None
    ) -> bool:
        low, high = self._bounds(start, end)
        suffixes = (suffix,) if isinstance(suffix, str) else suffix
        return any(
            high - len(each) >= low and self._slice(high - len(each), high) == each
            for each in suffixes
        )


class SpoolError(Exception):
    """The temporary file could not be written (a full disk): the text must be held instead.

    Not an OSError, so that it is not taken for an error reading the document itself."""


class SpoolWriter:
    """Builds a `SpooledText` from the pieces of a canonical text, fed in order."""

    def __init__(self, directory: str | None = None) -> None:
        # Unnamed where the system allows (O_TMPFILE), else unlinked at once: nothing is left
        # behind by a crash.
        import tempfile  # (here: only a huge text needs it, and it takes a while to import)

        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="reader-text-", dir=directory)
        self._byte_starts: array[int] = array("q", [0])
        self._line_starts: array[int] = array("I", [0])
        self._digest = hashlib.sha256()
        self._length = 0
        self._bytes = 0
        self._pending: list[str] = []  # the characters of the block being filled
        self._pending_length = 0

    def restart(self) -> None:
        """Forget what was fed so far (the text turned out to need another decoding)."""
        self._file.seek(0)
        self._file.truncate()
        self._byte_starts = array("q", [0])
        self._line_starts = array("I", [0])
        self._digest = hashlib.sha256()
        self._length = self._bytes = self._pending_length = 0
        self._pending.clear()

    def feed(self, piece: str) -> None:
        """The next piece of the canonical text."""
        if not piece:
            return
        self._index_lines(piece)
        self._length += len(piece)
        while piece:
            room = BLOCK_CHARS - self._pending_length
            part, piece = piece[:room], piece[room:]
            self._pending.append(part)
            self._pending_length += len(part)
            if self._pending_length == BLOCK_CHARS:
                self._write_block()

    def _index_lines(self, piece: str) -> None:
        if self._length + len(piece) >= 2**32 and self._line_starts.typecode == "I":
            self._line_starts = array("q", self._line_starts)
        add_line_starts(self._line_starts, piece, offset=self._length)

    def _write_block(self) -> None:
        data = "".join(self._pending).encode("utf-8", "surrogatepass")
        self._pending.clear()
        self._pending_length = 0
        try:
            self._file.write(data)
        except OSError as error:
            raise SpoolError(str(error)) from None
        self._digest.update(data)
        self._bytes += len(data)
        self._byte_starts.append(self._bytes)

    def finish(self) -> SpooledText:
        if self._pending_length:
            self._write_block()
        try:
            self._file.flush()
        except OSError as error:
            raise SpoolError(str(error)) from None
        return SpooledText(
            self._file, self._byte_starts, self._length, self._digest.hexdigest(),
            self._line_starts,
        )

    def discard(self) -> None:
        self._file.close()
