"""Every zip-based format (DOCX, ODT, EPUB) meets bad files with one clear line, quickly."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from reader.formats.base import DocumentError, load_document

FIXTURES = Path(__file__).parent / "fixtures"
KINDS = {".docx": "a Word document", ".odt": "an OpenDocument text", ".epub": "an EPUB e-book"}


def error_for(path: Path) -> str:
    started = time.monotonic()
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert time.monotonic() - started < 2
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("suffix", KINDS)
def test_not_a_zip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"renamed{suffix}"
    path.write_bytes(b"%PDF-1.4 a PDF renamed")
    assert f"is not {KINDS[suffix]}" in error_for(path)


@pytest.mark.parametrize("suffix", KINDS)
def test_empty(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert "empty" in error_for(path)


@pytest.mark.parametrize("suffix", KINDS)
def test_truncated(tmp_path: Path, suffix: str) -> None:
    source = FIXTURES / f"report{suffix}"
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    assert KINDS[suffix] in error_for(path)


@pytest.mark.parametrize("suffix", KINDS)
def test_zip_bomb(tmp_path: Path, suffix: str) -> None:
    source = zipfile.ZipFile(FIXTURES / f"report{suffix}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for member in source.infolist():
            package.writestr(member, source.read(member))
        package.writestr("padding.xml", b"\0" * (200 << 20))
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(buffer.getvalue())
    assert "zip bomb" in error_for(path)


@pytest.mark.parametrize("suffix", KINDS)
def test_damaged_compressed_data(tmp_path: Path, suffix: str) -> None:
    # Deflate data that fails to inflate (zlib.error), in every part, CRCs and sizes intact.
    source = zipfile.ZipFile(FIXTURES / f"report{suffix}")
    data = bytearray((FIXTURES / f"report{suffix}").read_bytes())
    for member in source.infolist():
        if member.compress_type == zipfile.ZIP_DEFLATED and member.compress_size > 8:
            header_end = member.header_offset + 30 + len(member.filename.encode())
            extra = int.from_bytes(data[member.header_offset + 28 : member.header_offset + 30],
                                   "little")
            start = header_end + extra
            data[start : start + 4] = b"\xff\xff\xff\xff"
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(bytes(data))
    assert "damaged" in error_for(path)
