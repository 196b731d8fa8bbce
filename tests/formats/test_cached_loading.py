"""Loading with the extraction cache: unchanged bytes are never extracted twice."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from reader.core.extraction_cache import ExtractionCache
from reader.formats import base
from reader.formats.base import load_document
from reader.formats.cached import load_document_once

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_second_open_of_unchanged_bytes_does_not_extract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "report.docx"
    shutil.copy(FIXTURES / "report.docx", path)
    cache = ExtractionCache(tmp_path / "extracted")
    first = load_document_once(path, cache)
    assert first == load_document(path)
    assert first.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert first.extractor.startswith("docx: mammoth ")

    def no_extraction(*args: object) -> None:
        raise AssertionError("extracted again")

    monkeypatch.setattr(base, "_extract_document", no_extraction)
    again = load_document_once(path, cache)
    assert again == first  # text, structure, title, hashes: all as extracted


def test_changed_bytes_or_a_new_extractor_extract_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "page.html"
    path.write_text("<p>First version of the page.</p>", encoding="utf-8")
    cache = ExtractionCache(tmp_path / "extracted")
    assert "First version" in load_document_once(path, cache).text
    path.write_text("<p>Second version of the page.</p>", encoding="utf-8")
    assert "Second version" in load_document_once(path, cache).text
    monkeypatch.setattr(base, "extractor_version", lambda name: f"{name}: newer")
    import reader.formats.cached as cached

    monkeypatch.setattr(cached, "extractor_version", lambda name: f"{name}: newer")
    calls = []
    real = base._extract_document
    monkeypatch.setattr(base, "_extract_document", lambda *a: calls.append(1) or real(*a))
    assert "Second version" in load_document_once(path, cache).text
    assert calls == [1]


def test_plain_text_is_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Plain.\n", encoding="utf-8")
    cache = ExtractionCache(tmp_path / "extracted")
    document = load_document_once(path, cache)
    assert document == load_document(path) and document.source_sha256 == ""
    assert not (tmp_path / "extracted").exists()
