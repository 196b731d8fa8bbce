"""SHA-256 of a text (as UTF-8) and of a file's bytes, a chunk at a time."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

_TEXT_CHUNK = 256 * 1024
_FILE_CHUNK = 1 << 20


def text_sha256(text: str) -> str:
    """SHA-256 of the text as UTF-8, encoded a chunk at a time so a huge document is not held
    twice in memory."""
    digest = hashlib.sha256()
    for start in range(0, len(text), _TEXT_CHUNK):
        digest.update(text[start : start + _TEXT_CHUNK].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def file_sha256(stream: BinaryIO) -> str:
    """SHA-256 of the bytes of `stream` from where it is to its end, a megabyte at a time."""
    digest = hashlib.sha256()
    while chunk := stream.read(_FILE_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
