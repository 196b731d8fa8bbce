"""Tests of load_document: encodings, canonical text, titles, hashes and clear errors."""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import os
import sys
import tracemalloc
from pathlib import Path

import pytest

from reader.core import hashing
from reader.formats import base, decoding
from reader.formats.base import (
    BinaryDocumentError,
    DocumentError,
    DocumentNotFoundError,
    DocumentPermissionError,
    LoadedDocument,
    NotADocumentError,
    UndecodableDocumentError,
    UnsupportedFormatError,
    clean_title,
    is_supported,
    load_document,
    supported_suffixes,
)
from reader.formats.markdown import markdown_title

TEXT = (
    "Interview 7 — Beirut\n\nWe left Homs in 2013. سوريا ما زالت بلدنا.\n"
    "👨\u200d👩\u200d👧 e\u0301\n"
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def assert_one_line_naming(error: DocumentError, path: Path) -> None:
    message = str(error)
    assert "\n" not in message and "\r" not in message
    assert path.name in message


class TestEncodings:
    def test_utf8_document(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = write(tmp_path, "interview.txt", TEXT.encode("utf-8"))
        monkeypatch.chdir(tmp_path)
        document = load_document("interview.txt")  # a relative path comes back absolute
        assert document == LoadedDocument(
            path=path.resolve(),
            text=TEXT,
            encoding="utf-8",
            title="Interview 7 — Beirut",
            size=len(TEXT.encode("utf-8")),
            format="text",
            sha256=sha(TEXT),
        )
        assert document.path.is_absolute()

    @pytest.mark.parametrize(
        ("data", "encoding"),
        [
            (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
            (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
            (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
            (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),
            (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32"),
            (TEXT.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
            (codecs.BOM_UTF16_LE + TEXT.replace("\n", "\r\n").encode("utf-16-le"), "utf-16"),
            (TEXT.replace("\n", "\r").encode("utf-8"), "utf-8"),
        ],
        ids=[
            "utf-8-bom",
            "utf-16-le",
            "utf-16-be",
            "utf-32-le",
            "utf-32-be",
            "crlf",
            "utf-16-crlf",
            "lone-cr",
        ],
    )
    def test_same_content_whatever_the_bytes(
        self, tmp_path: Path, data: bytes, encoding: str
    ) -> None:
        document = load_document(write(tmp_path, "copy.txt", data))
        assert document.encoding == encoding
        assert document.text == TEXT  # no BOM, "\n" line ends
        assert document.sha256 == sha(TEXT)  # so re-encoded copies are the same document
        assert document.size == len(data)

    @pytest.mark.parametrize("repeat", [1, 40_000], ids=["small", "streamed"])
    def test_utf16_without_a_bom(self, tmp_path: Path, repeat: int) -> None:
        path = write(tmp_path, "notepad.txt", (TEXT * repeat).encode("utf-16-le"))
        loaded = load_document(path)
        assert loaded.encoding == "utf-16-le"
        assert loaded.text == TEXT * repeat

    def test_arabic_cp1256(self, tmp_path: Path) -> None:
        text = "مقابلة مع لاجئة في طرابلس\r\nهل ستعودين إلى سوريا؟ لا أعرف بعد.\r\n"
        document = load_document(write(tmp_path, "arabic.txt", text.encode("cp1256")))
        assert document.encoding == "cp1256"
        assert document.text == text.replace("\r\n", "\n")
        assert document.title == "مقابلة مع لاجئة في طرابلس"

    def test_western_cp1252(self, tmp_path: Path) -> None:
        text = "Réfugiés au Liban – « on ne peut pas rentrer », dit Maryam. Café naïf.\n" * 3
        document = load_document(write(tmp_path, "french.txt", text.encode("cp1252")))
        assert document.encoding == "cp1252"
        assert document.text == text

    def test_control_characters_are_data_in_text_but_not_in_title(self, tmp_path: Path) -> None:
        text = "\x1b]0;pwned\x07Report\x1b[31m on\x07 Syria\t2016\x01\n\x1b[2Jbody\x9b\n"
        document = load_document(write(tmp_path, "escapes.txt", text.encode("utf-8")))
        assert document.text == text
        assert document.title == "Report on Syria 2016"


class TestRefusals:
    @pytest.mark.parametrize(
        "data",
        [
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00\x00\x00\x01\x80\x08\x06",
            bytes([0, 159, 146, 150, 7, 0, 255, 3]) * 200,
        ],
        ids=["png-bytes", "random-with-nuls"],
    )
    @pytest.mark.parametrize("name", ["renamed.txt", "no-suffix", "data.bin"])
    def test_binary_is_refused(self, tmp_path: Path, data: bytes, name: str) -> None:
        path = write(tmp_path, name, data)
        with pytest.raises(BinaryDocumentError) as caught:
            load_document(path)
        assert_one_line_naming(caught.value, path)
        assert "binary" in str(caught.value)

    def test_known_binary_suffix_is_unsupported(self, tmp_path: Path) -> None:
        path = write(tmp_path, "photo.png", b"\x89PNG\r\n\x1a\n")
        with pytest.raises(UnsupportedFormatError) as caught:
            load_document(path)
        assert_one_line_naming(caught.value, path)
        assert ".md" in str(caught.value) and ".txt" in str(caught.value)

    def test_missing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "nowhere.txt"
        with pytest.raises(DocumentNotFoundError) as caught:
            load_document(path)
        assert_one_line_naming(caught.value, path)
        assert "no such file" in str(caught.value)

    def test_directory(self, tmp_path: Path) -> None:
        folder = tmp_path / "folder.txt"
        folder.mkdir()
        with pytest.raises(NotADocumentError) as caught:
            load_document(folder)
        assert_one_line_naming(caught.value, folder)
        assert "folder" in str(caught.value)

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
    def test_fifo_is_not_opened(self, tmp_path: Path) -> None:
        fifo = tmp_path / "pipe.txt"
        os.mkfifo(fifo)
        with pytest.raises(NotADocumentError) as caught:
            load_document(fifo)  # would block forever if it were opened
        assert_one_line_naming(caught.value, fifo)

    @pytest.mark.parametrize("links", [1, 2])
    def test_symlink_loop_is_not_a_document(self, tmp_path: Path, links: int) -> None:
        names = [f"loop{index}.txt" for index in range(links)]
        for index, name in enumerate(names):
            (tmp_path / name).symlink_to(names[(index + 1) % links])
        loop = tmp_path / names[0]
        with pytest.raises(NotADocumentError) as caught:
            load_document(loop)
        assert_one_line_naming(caught.value, loop)
        assert "loop of symbolic links" in str(caught.value)

    def test_device(self) -> None:
        if not Path("/dev/null").exists():
            pytest.skip("no /dev/null")
        with pytest.raises(NotADocumentError):
            load_document("/dev/null")

    @pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file"
    )
    def test_permission_denied(self, tmp_path: Path) -> None:
        path = write(tmp_path, "secret.txt", b"private")
        path.chmod(0)
        try:
            with pytest.raises(DocumentPermissionError) as caught:
                load_document(path)
        finally:
            path.chmod(0o600)
        assert_one_line_naming(caught.value, path)

    def test_permission_denied_while_reading(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Runs even as root (who can read anything): the read itself is made to fail.
        path = write(tmp_path, "secret.txt", b"private")

        def refuse(self: Path) -> bytes:
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "read_bytes", refuse)
        with pytest.raises(DocumentPermissionError) as caught:
            load_document(path)
        assert_one_line_naming(caught.value, path)
        assert "permission denied" in str(caught.value)

    def test_lying_bom_is_undecodable(self, tmp_path: Path) -> None:
        path = write(tmp_path, "broken.txt", codecs.BOM_UTF8 + b"fine \xff\xfe not")
        with pytest.raises(UndecodableDocumentError) as caught:
            load_document(path)
        assert_one_line_naming(caught.value, path)

    def test_file_name_with_control_characters_stays_one_line(self, tmp_path: Path) -> None:
        path = tmp_path / "evil\n\x1b[2Jname.txt"
        with pytest.raises(DocumentNotFoundError) as caught:
            load_document(path)
        message = str(caught.value)
        assert "\n" not in message and "\x1b" not in message
        assert "\\n\\x1b[2Jname.txt" in message

    def test_all_errors_are_document_errors(self) -> None:
        for error in (
            DocumentNotFoundError,
            DocumentPermissionError,
            NotADocumentError,
            BinaryDocumentError,
            UndecodableDocumentError,
            UnsupportedFormatError,
        ):
            assert issubclass(error, DocumentError)


class TestTitles:
    @pytest.mark.parametrize(
        ("text", "title"),
        [
            ("\n\n   First real line  \nsecond\n", "First real line"),
            ("x" * 100, "x" * 79 + "…"),
            ("tab\tand  spaces\n", "tab and spaces"),
        ],
    )
    def test_text_title_is_the_first_nonblank_line(
        self, tmp_path: Path, text: str, title: str
    ) -> None:
        document = load_document(write(tmp_path, "doc.txt", text.encode()))
        assert document.title == title
        assert len(document.title) <= 80

    @pytest.mark.parametrize("text", ["", "  \n\t\n"])
    def test_empty_text_takes_the_file_name(self, tmp_path: Path, text: str) -> None:
        document = load_document(write(tmp_path, "field notes.txt", text.encode()))
        assert document.title == "field notes.txt"
        assert document.text == text

    def test_file_name_title_is_cleaned_too(self, tmp_path: Path) -> None:
        document = load_document(write(tmp_path, "a\x1b[31mb\x07.txt", b""))
        assert document.title == "ab.txt"

    @pytest.mark.parametrize(
        ("source", "title"),
        [
            ("Intro line\n\n# The *Big* Title #\n\n## Sub\n", "The Big Title"),
            ("Setext Title\n============\n\ntext\n", "Setext Title"),
            ("\nSecond level\n---\n", "Second level"),
            ("```bash\n# not a heading\n```\n\n## Real [heading](http://x)\n", "Real heading"),
            ('---\ntitle: "Front matter"\nauthor: me\n---\n# Other\n', "Front matter"),
            ("---\nauthor: me\n---\n# After front matter\n", "After front matter"),
            ("No heading here\nat all\n", "No heading here"),
            ("#hashtag is not a heading\n", "#hashtag is not a heading"),
        ],
    )
    def test_markdown_title(self, tmp_path: Path, source: str, title: str) -> None:
        assert markdown_title(source) == title
        document = load_document(write(tmp_path, "notes.md", source.encode()))
        assert document.format == "markdown"
        assert document.title == title
        assert document.text == source  # the Markdown source itself, offsets are the file's

    def test_markdown_crlf_and_bom(self, tmp_path: Path) -> None:
        source = "# Title\r\n\r\nBody *text*.\r\n"
        document = load_document(
            write(tmp_path, "NOTES.MARKDOWN", codecs.BOM_UTF8 + source.encode())
        )
        assert document.format == "markdown"
        assert document.title == "Title"
        assert document.text == "# Title\n\nBody *text*.\n"

    def test_clean_title(self) -> None:
        assert clean_title("\x1b]0;x\x07A\u202eB\x1b[1mC\x1bcD") == "ABCD"
        assert clean_title(" a \n b ") == "a b"
        assert clean_title("a\x7fb\tc") == "ab c"  # ASCII, but not all of it printable
        assert clean_title("  plain   ASCII ") == "plain ASCII"
        # A printable title skips the patterns: all they take out is what isprintable refuses.
        noise = [chr(code) for code in (*range(0x20), *range(0x7F, 0xA0), 0x200E, 0x200F,
                                        *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF)]
        assert [char for char in noise if char.isprintable()] == []
        assert len(clean_title("y" * 500)) == 80


class TestRegistry:
    def test_suffixes(self) -> None:
        assert supported_suffixes() == (
            ".docx", ".eml", ".epub", ".htm", ".html", ".markdown", ".md", ".odt", ".pdf", ".rtf",
            ".text", ".txt", ".xhtml",
        )
        assert is_supported("a.TXT") and is_supported(Path("b.md")) and is_supported("README")
        assert is_supported("c.PDF") and not is_supported("d.png")

    def test_unknown_suffix_that_looks_like_text_loads_as_text(self, tmp_path: Path) -> None:
        for name in ("server.log", "README"):
            document = load_document(write(tmp_path, name, b"Plain words\n"))
            assert document.format == "text"
            assert document.title == "Plain words"

    def test_symlinks_resolve(self, tmp_path: Path) -> None:
        target = write(tmp_path, "target.txt", b"hello\n")
        link = tmp_path / "link.txt"
        link.symlink_to(target)
        assert load_document(link).path == target.resolve()

    def test_a_loader_gets_bytes_and_its_errors_get_the_path(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        class ReversedLoader:
            """A stand-in for a DOCX or PDF loader: text made from bytes, not decoded."""

            name = "reversed"
            suffixes = (".rev",)

            def extract(self, path: Path, data: bytes) -> tuple[str, str]:
                if not data:
                    raise UndecodableDocumentError("is empty")
                return data[::-1].decode("ascii"), "ascii"

            def title(self, path: Path, text: str) -> str:
                return text.split("\n")[0]  # canonical text: line breaks are "\n"

        supported_suffixes()  # built-ins registered before the registry is copied for the test
        monkeypatch.setattr(base, "_loaders", list(base._loaders))
        monkeypatch.setattr(base, "_by_suffix", dict(base._by_suffix))
        base.register(ReversedLoader())
        assert ".rev" in supported_suffixes() and ".txt" in supported_suffixes()
        document = load_document(write(tmp_path, "x.rev", b"\n\r2 enil\n\r1 enil"))
        assert document.text == "line 1\nline 2\n"
        assert document.title == "line 1"
        assert document.format == "reversed"
        empty = write(tmp_path, "empty.rev", b"")
        with pytest.raises(UndecodableDocumentError) as caught:
            load_document(empty)
        assert str(caught.value) == f"{empty}: is empty"

    def test_a_large_file_is_never_held_as_bytes_beside_its_text(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # About 2.4 MB of UTF-8, 5.9 MB as a str (the emoji make it 4 bytes a character): read
        # whole, the file's bytes and its text would peak at 1.4 times the text.
        path = write(tmp_path, "large.txt", (TEXT * 20_000).encode("utf-8"))
        monkeypatch.setattr(decoding, "CHUNK_BYTES", 64 * 1024)
        monkeypatch.setattr(hashing, "_TEXT_CHUNK", 64 * 1024)
        tracemalloc.start()
        try:
            document = load_document(path)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert document.text == TEXT * 20_000 and document.size == path.stat().st_size
        text_bytes = sys.getsizeof(document.text)
        assert peak < 1.2 * text_bytes

    def test_a_large_crlf_file_is_never_held_twice_as_text(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Made canonical after decoding, the CRLF text and the LF one would peak at twice it.
        crlf = (TEXT * 20_000).replace("\n", "\r\n")
        path = write(tmp_path, "large.txt", codecs.BOM_UTF8 + crlf.encode("utf-8"))
        monkeypatch.setattr(decoding, "CHUNK_BYTES", 64 * 1024)
        monkeypatch.setattr(hashing, "_TEXT_CHUNK", 64 * 1024)
        tracemalloc.start()
        try:
            document = load_document(path)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert document.text == TEXT * 20_000 and document.encoding == "utf-8-sig"
        text_bytes = sys.getsizeof(document.text)
        assert peak < 1.2 * text_bytes

    def test_an_error_reading_a_large_file_names_it(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write(tmp_path, "secret.txt", b"private words\n" * 200_000)

        def refuse(self: Path, *args: object, **kwargs: object) -> object:
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "read_bytes", refuse)
        monkeypatch.setattr(Path, "open", refuse)
        with pytest.raises(DocumentPermissionError) as caught:
            load_document(path)
        assert_one_line_naming(caught.value, path)

    def test_loaded_document_is_frozen_and_its_repr_omits_the_text(self, tmp_path: Path) -> None:
        document = load_document(write(tmp_path, "a.txt", b"Title\nsecret words"))
        with pytest.raises(dataclasses.FrozenInstanceError):
            document.title = "x"  # type: ignore[misc]
        assert "secret words" not in repr(document)
