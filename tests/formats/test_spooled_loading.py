"""`load_document(..., spool=True)`: a plain text kept on disk, the same text as read whole."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from reader import paths
from reader.core import spooled_text
from reader.core.spooled_text import SpooledText, SpoolError
from reader.formats.base import load_document


def write_text(tmp_path: Path) -> Path:
    path = tmp_path / "statement.txt"
    body = "Refugees in Lebanon \u201cand\u201d the early-recovery fund.\r\n" * 3000
    path.write_bytes(("\ufeff  \r\nJoint Statement\r\n" + body).encode("utf-8"))
    return path


def test_a_spooled_document_is_the_document_read_whole(tmp_path: Path) -> None:
    path = write_text(tmp_path)
    whole = load_document(path)
    spooled = load_document(path, spool=True)
    assert isinstance(spooled.text, SpooledText) and isinstance(whole.text, str)
    assert spooled.text == whole.text
    assert (spooled.sha256, spooled.title, spooled.encoding, spooled.size) == (
        whole.sha256, whole.title, whole.encoding, whole.size
    )
    assert spooled.title == "Joint Statement"


def test_markdown_is_not_spooled_its_headings_need_the_whole_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Heading\n\nText.\n" * 2000, encoding="utf-8")
    document = load_document(path, spool=True)
    assert isinstance(document.text, str) and document.structure


@pytest.mark.parametrize("failure", ["no temporary file", "disk full"])
def test_without_room_for_a_temporary_file_the_text_is_held_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    path = write_text(tmp_path)
    if failure == "no temporary file":
        def refuse(*args: object, **kwargs: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("tempfile.TemporaryFile", refuse)
    else:
        def full(self: object) -> None:
            raise SpoolError("No space left on device")

        monkeypatch.setattr(spooled_text.SpoolWriter, "_write_block", full)
    document = load_document(path, spool=True)
    assert isinstance(document.text, str)
    assert document.text == load_document(path).text


def where_kept(document_text: object) -> str:
    assert isinstance(document_text, SpooledText)
    return os.readlink(f"/proc/self/fd/{document_text._fd}")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the file")
def test_the_text_is_kept_in_the_users_cache_not_a_tmp_that_may_be_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache" / "texts"
    monkeypatch.setattr(paths, "spool_dir", lambda: cache)
    document = load_document(write_text(tmp_path), spool=True)
    assert where_kept(document.text).startswith(str(cache))
    assert cache.is_dir() and not list(cache.iterdir())  # no name: nothing left behind


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the file")
def test_without_a_cache_folder_the_systems_temporary_folder_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setattr(paths, "spool_dir", lambda: blocked / "texts")
    document = load_document(write_text(tmp_path), spool=True)
    assert where_kept(document.text).startswith(tempfile.gettempdir())
