"""A large text's head (`read_head`): a prefix of the whole text, or nothing when it cannot be
sure to be one; and `load_document` telling its progress and stopping when cancelled."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from reader.formats import base
from reader.formats.base import DocumentError, load_document, read_head
from reader.formats.decoding import decode_head

DEFAULT_HEAD_BYTES = base.HEAD_BYTES  # (before the fixture below makes heads small)

LINE = "Line {n}: the delegation met the committee again — “twice”, said Anna Pávlovna.\n"


@pytest.fixture(autouse=True)
def small_heads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files over 20 kB count as large, and their heads are 4 KiB: test files stay small."""
    monkeypatch.setattr(base, "HEAD_FROM", 20_000)
    monkeypatch.setattr(base, "HEAD_BYTES", 4096)


def large_text(lines: int = 1000) -> str:
    return "".join(LINE.format(n=n) for n in range(lines))


def test_the_head_of_a_large_utf8_text_is_its_first_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(large_text(), "utf-8")
    head = read_head(path)
    whole = load_document(path)
    assert head is not None
    assert whole.text.startswith(head.text)
    assert whole.text[len(head.text)] == "\n"  # it ends where a line does
    assert 3000 < len(head.text.encode("utf-8")) <= 4096
    assert (head.title, head.encoding, head.format) == (whole.title, whole.encoding, whole.format)
    assert head.size == path.stat().st_size and head.bytes_read == 4096


def test_a_bom_and_crlf_line_ends_are_made_canonical_as_in_the_whole_text(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes(codecs.BOM_UTF8 + large_text().replace("\n", "\r\n").encode("utf-8"))
    head = read_head(path)
    assert head is not None
    assert "\r" not in head.text and not head.text.startswith("\ufeff")
    assert load_document(path).text.startswith(head.text)


def test_utf16_heads_are_prefixes_too(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes(large_text(400).encode("utf-16"))
    head = read_head(path)
    assert head is not None and head.encoding == "utf-16"
    assert load_document(path).text.startswith(head.text)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("small.txt", "A small text.\n" * 10),  # read whole at once
        ("legacy.txt", large_text().replace("—", "-").encode("cp1252")),  # the start cannot tell
        ("binary.txt", b"\x00\x01\x02\x03" * 10_000),  # refused by load_document, with a reason
        ("one-line.txt", "word " * 10_000),  # no whole line in the head
        ("paper.pdf", b"%PDF-1.4\n" + b"x" * 30_000),  # extracted, not streamed
    ],
)
def test_no_head_where_the_start_cannot_stand_for_the_text(
    tmp_path: Path, name: str, content: str | bytes
) -> None:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, "utf-8")
    else:
        path.write_bytes(content)
    assert read_head(path) is None


def test_no_head_for_a_missing_file(tmp_path: Path) -> None:
    assert read_head(tmp_path / "missing.txt") is None  # load_document says why


def test_a_character_cut_by_the_end_of_the_bytes_is_left_for_the_rest() -> None:
    data = "abc\r\nPávlovna\r".encode()
    text, encoding = decode_head(data[: data.index("á".encode()) + 1]) or ("", "")
    assert (text, encoding) == ("abc\nP", "utf-8")
    # A "\r" at the end may be half of a "\r\n": it waits too.
    assert decode_head(data) == ("abc\nPávlovna", "utf-8")


def test_loading_tells_its_progress_in_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(large_text(20_000), "utf-8")  # over the 1 MiB read in chunks
    size = path.stat().st_size
    seen: list[tuple[int, int]] = []
    load_document(path, progress=lambda done, total: seen.append((done, total)))
    assert len(seen) > 3
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (size, size)


def test_loading_stops_when_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(large_text(20_000), "utf-8")
    reads = 0

    def cancelled() -> bool:
        nonlocal reads
        reads += 1
        return reads > 2

    with pytest.raises(DocumentError, match="cancelled"):
        load_document(path, cancelled=cancelled)



def test_the_head_shown_first_is_a_few_dozen_screens(tmp_path: Path) -> None:
    # Everything in the head is read, decoded and indexed before the first frame: a thousand
    # lines or so are more than anyone pages through while the rest is read (a fraction of a
    # second), and 256 KB cost every large document's first frame a millisecond more.
    path = tmp_path / "big.txt"
    path.write_text(large_text(20_000), "utf-8")
    head = read_head(path, limit=DEFAULT_HEAD_BYTES)
    assert head is not None
    assert 500 < head.text.count("\n") < 2000
