"""Tests of bytes-to-text decoding: BOMs, UTF-8, legacy code pages, binary refusal."""

from __future__ import annotations

import codecs
import io
import random
import time

import pytest

from reader.core.text import canonicalize
from reader.formats import decoding
from reader.formats.base import BinaryDocumentError, UndecodableDocumentError
from reader.formats.decoding import decode

ENGLISH = "Refugees in Lebanon – “we can’t go back,” said Maryam. The café’s naïve rule.\n"
FRENCH = "Le café est très agréable à Montréal : naïveté, œuvre, façade, « déjà vu ».\n"
ARABIC = (
    "قرار مجلس الأمن رقم 2254 بشأن سوريا. هل عاد اللاجئون إلى ديارهم؟ لا، ليس بعد؛ الوضع صعب.\n"
)
MIXED = "Syria – سوريا 👨\u200d👩\u200d👧 e\u0301\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + MIXED.encode("utf-8"), "utf-8-sig"),
        (MIXED.encode("utf-16"), "utf-16"),  # native order with its BOM
        (codecs.BOM_UTF16_LE + MIXED.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + MIXED.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + MIXED.encode("utf-32-le"), "utf-32"),
        (codecs.BOM_UTF32_BE + MIXED.encode("utf-32-be"), "utf-32"),
        (MIXED.encode("utf-8"), "utf-8"),
    ],
    ids=["utf-8-bom", "utf-16", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"],
)
def test_byte_order_marks_and_utf8(data: bytes, encoding: str) -> None:
    text, found = decode(data)
    assert found == encoding
    assert text == MIXED  # the BOM itself is not part of the text


def test_empty_file_is_empty_utf8() -> None:
    assert decode(b"") == ("", "utf-8")


@pytest.mark.parametrize("repeat", [1, 40])
def test_arabic_cp1256_is_detected(repeat: int) -> None:
    text, encoding = decode((ARABIC * repeat).encode("cp1256"))
    assert encoding == "cp1256"
    assert text == ARABIC * repeat


@pytest.mark.parametrize("sample", [ENGLISH, FRENCH])
@pytest.mark.parametrize("repeat", [1, 40])
def test_western_cp1252_is_detected(sample: str, repeat: int) -> None:
    text, encoding = decode((sample * repeat).encode("cp1252"))
    assert encoding == "cp1252"
    assert text == sample * repeat


def test_latin1_text_reads_correctly() -> None:
    sample = "Größe und Übermaß, süß; señor, niño, façade.\n" * 5
    text, _ = decode(sample.encode("latin-1"))
    assert text == sample


def test_control_characters_in_utf8_are_data() -> None:
    data = b"Title\x1b]0;pwned\x07\n\x1b[31mred\x1b[0m\x08\x07\x01\x02\x03\n"
    text, encoding = decode(data)
    assert encoding == "utf-8"
    assert text == data.decode("utf-8")


def test_crlf_is_left_for_canonicalisation() -> None:
    assert decode(b"a\r\nb")[0] == "a\r\nb"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        random.Random(7).randbytes(4096),
        b"%PDF-1.7\n" + bytes(range(1, 9)) * 40,  # no NUL, but mostly control bytes
        # NULs in alternate bytes, like UTF-16, but what they decode to is controls.
        b"".join(number.to_bytes(2, "little") for number in range(1, 400)),
        "UTF-32 text, whose NULs are in every byte position\n".encode("utf-32-le"),
    ],
    ids=["png", "random", "control-bytes", "16-bit-numbers", "utf-32-no-bom"],
)
def test_binary_is_refused(data: bytes) -> None:
    with pytest.raises(BinaryDocumentError) as caught:
        decode(data)
    assert "binary" in str(caught.value)


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [MIXED, ENGLISH, ARABIC * 3], ids=["mixed", "english", "arabic"])
def test_utf16_without_a_bom_is_recognised(text: str, order: str) -> None:
    # What Notepad's "Unicode" and PowerShell's Out-File write with the BOM stripped.
    assert decode(text.encode(order)) == (text, order)


@pytest.mark.parametrize(
    "tail",
    [b"a", "\ud800a".encode("utf-16-le", "surrogatepass")],
    ids=["odd-length", "lone-surrogate-after-the-sniffed-part"],
)
def test_utf16_without_a_bom_that_breaks_off_is_undecodable_not_binary(tail: bytes) -> None:
    data = (ENGLISH * 200).encode("utf-16-le") + tail
    assert len(data) > decoding.SNIFF_BYTES
    with pytest.raises(UndecodableDocumentError) as caught:
        decode(data)
    assert "UTF-16-LE without a byte order mark" in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [codecs.BOM_UTF8 + b"ok \xff\xfe bad", codecs.BOM_UTF16_LE + b"a\x00b"],
    ids=["utf-8-bom", "utf-16-odd-length"],
)
def test_a_lying_bom_is_undecodable(data: bytes) -> None:
    with pytest.raises(UndecodableDocumentError) as caught:
        decode(data)
    assert "\n" not in str(caught.value)


def test_large_utf8_is_fast() -> None:
    data = ("A line of text with an accent: café, and Arabic: سوريا.\n" * 100_000).encode()
    started = time.perf_counter()
    text, encoding = decode(data)
    assert encoding == "utf-8" and len(text) == 5_600_000
    assert time.perf_counter() - started < 0.5


def test_large_legacy_file_detects_on_a_sample() -> None:
    data = (FRENCH * 60_000).encode("cp1252")  # about 4.6 MB
    started = time.perf_counter()
    text, encoding = decode(data)
    assert encoding == "cp1252" and text.startswith(FRENCH)
    assert time.perf_counter() - started < 2.0


def test_only_the_sample_decides_but_the_whole_file_must_fit() -> None:
    # The first 64 KiB are plain ASCII; the accents only come later.
    data = b"plain ascii line\n" * 5000 + FRENCH.encode("cp1252") * 3
    text, encoding = decode(data)
    assert text.endswith(FRENCH * 3)
    assert encoding in ("cp1252", "latin-1")


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Café résumé naïve déjà vu, élève à Genève, on a mangé une crème brûlée.", "latin-1"),
        ("Réfugiés à Genève, été déjà.", "cp1252"),
        ("Die Flüchtlinge in Österreich müssen große Straßen überqueren.", "cp1252"),
        ("He said “refugees” — in Lebanon… it costs €5.", "cp1252"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy. Čeština je krásná.", "cp1250"),
        ("Zażółć gęślą jaźń, powiedział Łukasz.", "cp1250"),
        ("Türkiye'de mülteciler ığdır şehrinde yaşıyor; göç ve işçi.", "cp1254"),
        ("Lietuvos pabėgėliai ir užsienio šalių piliečiai.", "cp1257"),
        ("اللاجئون في لبنان يواجهون ضغوطا متزايدة للعودة.", "cp1256"),
    ],
)
def test_short_legacy_texts_read_as_written(text: str, encoding: str) -> None:
    """Short, mostly-ASCII texts are where detectors confuse Latin code pages."""
    decoded, _ = decode(text.encode(encoding))
    assert decoded == text


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + MIXED.encode("utf-8") * 3,
        MIXED.encode("utf-16") * 3,
        codecs.BOM_UTF32_BE + (MIXED * 3).encode("utf-32-be"),
        (MIXED * 3).encode("utf-8"),
        (FRENCH * 3).encode("cp1252"),
        "\ufeffone\r\ntwo\r\rthree\r\n".encode("utf-16"),
        ("\ufeff" + MIXED.replace("\n", "\r\n") * 3).encode("utf-8"),
    ],
    ids=["utf-8-bom", "utf-16", "utf-32-be", "utf-8", "cp1252", "utf-16-crlf", "utf-8-crlf"],
)
def test_chunks_that_split_characters_decode_as_a_whole(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, encoding = decode(data)
    monkeypatch.setattr(decoding, "SNIFF_BYTES", 5)
    monkeypatch.setattr(decoding, "CHUNK_BYTES", 3)  # every multi-byte character is cut somewhere
    assert decoding.decode_stream(io.BytesIO(data)) == (text, encoding)
    # Canonicalised as it is decoded, even where a chunk ends between "\r" and "\n".
    canonical = decoding.decode_stream(io.BytesIO(data), canonical=True)
    assert canonical == (canonicalize(text), encoding)


@pytest.mark.parametrize("bad", [b"\xff", "é".encode()[:1] + b"x", "—".encode()[:2]])
def test_an_invalid_byte_is_found_at_its_offset_in_the_file(
    bad: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decoding, "CHUNK_BYTES", 5)
    data = "naïve — ".encode() * 10 + bad + b" and on"
    with pytest.raises(UnicodeDecodeError) as whole:
        data.decode("utf-8")
    stream = io.BytesIO(data)
    head = stream.read(7)
    with pytest.raises(decoding._InvalidByte) as chunked:
        decoding._decode_chunks(head, stream, "utf-8")
    assert chunked.value.offset == whole.value.start
