"""Loader errors: one user-facing line each, raised by every loader and by `load_document`."""

from __future__ import annotations

from pathlib import Path

from reader.core.lazy_regex import LazyPattern

# Control characters and escape sequences would make a file name in a message span lines or
# drive the terminal; show them as visible escapes instead.
# (The stdlib's `re`, spelled out: \p{Cc} is U+0000-001F and U+007F-009F, \p{Zl} U+2028 and
# \p{Zp} U+2029. Loading the `regex` module would cost start-up ~10 ms; compiled on first use,
# as only a message needs it.)
_UNPRINTABLE = LazyPattern(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", stdlib=True
)


def display_path(path: Path | str) -> str:
    """A path as one printable line, for messages."""
    shown: str = _UNPRINTABLE.sub(lambda match: repr(match.group())[1:-1], str(path))
    return shown


class DocumentError(Exception):
    """A document could not be opened; str() is one user-facing line naming the file."""

    def __init__(self, reason: str, path: Path | str | None = None) -> None:
        super().__init__(reason, path)
        self.reason = reason
        self.path = None if path is None else Path(path)

    def __str__(self) -> str:
        if self.path is None:
            return self.reason
        return f"{display_path(self.path)}: {self.reason}"

    def for_path(self, path: Path | str) -> DocumentError:
        """The same error, naming `path` (decoding raises before it knows the file)."""
        return type(self)(self.reason, path)


class DocumentNotFoundError(DocumentError):
    pass


class DocumentPermissionError(DocumentError):
    pass


class NotADocumentError(DocumentError):
    """A directory, device, FIFO or socket: something that is not a regular file."""


class BinaryDocumentError(DocumentError):
    pass


class UndecodableDocumentError(DocumentError):
    pass


class UnsupportedFormatError(DocumentError):
    pass
