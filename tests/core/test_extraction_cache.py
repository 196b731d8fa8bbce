"""The extraction cache: stored once by text hash, found by source hash and extractor version."""

from __future__ import annotations

from pathlib import Path

from reader.core.extraction_cache import ExtractionCache, StructureLookup
from reader.core.hashing import text_sha256
from reader.core.structure import HEADING, PAGE, StructureMark

SOURCE = "a" * 64
OTHER_SOURCE = "b" * 64
STRUCTURE = (StructureMark(0, PAGE, "iv"), StructureMark(0, HEADING, "العودة", 2))


def put(cache: ExtractionCache, text: str, source: str = SOURCE, extractor: str = "pdf: v1"):
    return cache.put(text=text, structure=STRUCTURE, title="Report", format="pdf",
                     encoding="", source_sha256=source, extractor=extractor)


def test_what_was_put_is_got_back_whole(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path / "extracted")
    stored = put(cache, "العودة\n\nText of the report.\n")
    got = cache.get(SOURCE, "pdf: v1")
    assert got == stored
    assert got is not None and got.text_sha256 == text_sha256(got.text)
    assert got.structure == STRUCTURE and got.title == "Report"


def test_another_extractor_version_or_source_is_a_miss(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path)
    put(cache, "Text.\n")
    assert cache.get(SOURCE, "pdf: v2") is None
    assert cache.get(OTHER_SOURCE, "pdf: v1") is None


def test_a_text_is_stored_once_for_all_the_sources_giving_it(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path)
    put(cache, "Same text.\n")
    put(cache, "Same text.\n", source=OTHER_SOURCE)
    put(cache, "Same text.\n", extractor="pdf: v2")
    assert len(list((tmp_path / "texts").iterdir())) == 1
    assert len(list((tmp_path / "sources").iterdir())) == 3


def test_a_damaged_or_edited_text_file_is_a_miss_not_wrong_text(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path)
    stored = put(cache, "Original text.\n")
    (tmp_path / "texts" / f"{stored.text_sha256}.txt").write_text("Tampered.\n")
    assert cache.get(SOURCE, "pdf: v1") is None


def test_a_damaged_record_is_a_miss(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path)
    put(cache, "Text.\n")
    (record,) = (tmp_path / "sources").iterdir()
    for damage in (b"", b"{not json", b'{"text_sha256": 5}', b"[]"):
        record.write_bytes(damage)
        assert cache.get(SOURCE, "pdf: v1") is None


def test_an_extractor_name_cannot_escape_the_folder(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path / "cache")
    put(cache, "Text.\n", extractor="../../evil/name")
    assert not (tmp_path / "evil").exists()
    assert cache.get(SOURCE, "../../evil/name") is not None


def test_the_structure_lookup_finds_pages_of_documents_not_open(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path / "cache")
    kept, opened = "a" * 64, "b" * 64
    cache.put_structure(kept, (StructureMark(0, PAGE, "iv"), StructureMark(10, PAGE, "v"),
                               StructureMark(10, HEADING, "Returns", 1)))
    lookup = StructureLookup(cache)
    lookup.remember(opened, (StructureMark(0, HEADING, "Intro", 1),))
    assert (lookup.page(kept, 3), lookup.section(kept, 3)) == ("iv", "")
    assert (lookup.page(kept, 12), lookup.section(kept, 12)) == ("v", "Returns")
    assert (lookup.page(opened, 5), lookup.section(opened, 5)) == ("", "Intro")
    assert (lookup.page("c" * 64, 5), lookup.section("c" * 64, 5)) == ("", "")
    damaged = cache.folder / "structures" / f"{kept}.json"
    damaged.write_text("{")
    assert StructureLookup(cache).page(kept, 3) == ""  # a damaged map is no map, not an error
