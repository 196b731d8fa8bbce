"""The facts statistics count (document, span, tags, annotator), and their cache beside the
passage files: the same facts as a full read, read again whenever a file changes (by this
process, another one, or a hand edit), and never trusted when anything in it is odd."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reader.core import passage_facts
from reader.core import store as store_module
from reader.core.passage_facts import FACTS_CACHE_NAME, PassageFacts
from reader.core.store import AnnotationStore, backup_path_for, folder_for, passages_path_for

TEXT = "abcdefghijklmnopqrstuvwxyz " * 40


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled as soon as written (the tests need not wait two seconds)."""
    monkeypatch.setattr(passage_facts, "SETTLED_NANOSECONDS", -10**18)


def register(store: AnnotationStore, folder: Path, name: str) -> str:
    return store.register_document(
        path=folder / f"{name}.txt", text=TEXT, title=name, size=len(TEXT),
        encoding="utf-8", sha256=f"sha-{name}",
    ).document.id


def coded_corpus(db: Path, folder: Path) -> tuple[list[str], dict[str, str]]:
    """Three documents: one with nested, several and repeated tags by two annotators, one with a
    single passage, one with none."""
    amal = AnnotationStore(db, annotator="amal")
    tags = {name: amal.codebook().resolve(name).id for name in ("refugees", "detainees")}
    child = amal.create_tag("refugees/camps").id
    documents = [register(amal, folder, name) for name in ("one", "two", "none")]
    amal.add_annotation(documents[0], TEXT, 0, 10, tags=[tags["refugees"]])
    amal.add_annotation(documents[0], TEXT, 5, 15, tags=[child, tags["detainees"]])
    amal.add_annotation(documents[0], TEXT, 5, 15, tags=[child, tags["detainees"]])
    amal.add_annotation(documents[1], TEXT, 3, 30, tags=[tags["detainees"]])
    ben = AnnotationStore(db, annotator="ben")
    ben.add_annotation(documents[0], TEXT, 40, 60, tags=[tags["detainees"], child])
    ben.add_annotation(documents[1], TEXT, 0, 4, memo="a memo, no tag")
    return documents, tags


def read_whole(db: Path) -> list[PassageFacts]:
    """The facts as the full read gives them: every passage converted to an `Annotation`."""
    return sorted(PassageFacts(a.document, a.start, a.end, a.tags, a.annotator)
                  for a in AnnotationStore(db).annotations())


def counted(db: Path) -> list[PassageFacts]:
    return sorted(AnnotationStore(db).passage_facts())


def passage_file_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths the store reads from now on (a list that grows)."""
    reads: list[Path] = []
    real_read = store_module.read_regular_file

    def counting_read(path: Path) -> bytes:
        reads.append(Path(path))
        return real_read(path)

    monkeypatch.setattr(store_module, "read_regular_file", counting_read)
    return reads


def test_the_facts_are_those_of_the_passages_read_whole(
    db_path: Path, tmp_path: Path, settled_at_once: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    coded_corpus(db_path, tmp_path)
    expected = read_whole(db_path)
    assert len(expected) == 6 and {fact.annotator for fact in expected} == {"amal", "ben"}

    assert counted(db_path) == expected  # read from the files, and the cache made
    assert (folder_for(db_path) / FACTS_CACHE_NAME).exists()
    reads = passage_file_reads(monkeypatch)
    assert counted(db_path) == expected  # from the cache
    assert not [path for path in reads if path.parent.name == "passages"]


def test_a_store_counts_its_own_changes_at_once(db_path: Path, tmp_path: Path,
                                               settled_at_once: None) -> None:
    documents, tags = coded_corpus(db_path, tmp_path)
    store = AnnotationStore(db_path)
    store.passage_facts()
    store.add_annotation(documents[2], TEXT, 1, 2, tags=[tags["refugees"]])
    assert sorted(store.passage_facts()) == read_whole(db_path)


def test_a_file_changed_by_another_process_is_read_again(
    db_path: Path, tmp_path: Path, settled_at_once: None
) -> None:
    documents, tags = coded_corpus(db_path, tmp_path)
    reader = AnnotationStore(db_path)
    reader.passage_facts()
    writer = AnnotationStore(db_path, annotator="carla")
    writer.add_annotation(documents[1], TEXT, 7, 9, tags=[tags["refugees"]])
    changed = writer.annotations(document=documents[0])[0]
    writer.update_annotation(changed.id, tags=[tags["detainees"]])

    expected = read_whole(db_path)
    assert PassageFacts(documents[1], 7, 9, (tags["refugees"],), "carla") in expected
    assert sorted(reader.passage_facts()) == expected  # a store that had read them
    assert counted(db_path) == expected  # a new one, over the cache


def test_a_hand_edit_keeping_size_and_modification_time_is_noticed(
    db_path: Path, tmp_path: Path, settled_at_once: None
) -> None:
    documents, tags = coded_corpus(db_path, tmp_path)
    assert counted(db_path) == read_whole(db_path)  # the cache holds the file
    path = passages_path_for(db_path, documents[1])
    before = path.stat()
    # Same length ids: the file keeps its size, and its modification time is put back.
    edited = path.read_text().replace(tags["detainees"], tags["refugees"])
    assert len(edited) == before.st_size
    with open(path, "r+") as handle:  # in place: the same inode
        handle.write(edited)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_ino == before.st_ino and path.stat().st_size == before.st_size

    facts = counted(db_path)
    assert facts == read_whole(db_path)
    assert PassageFacts(documents[1], 3, 30, (tags["refugees"],), "amal") in facts


def test_a_file_still_changing_is_not_cached(db_path: Path, tmp_path: Path) -> None:
    documents, _ = coded_corpus(db_path, tmp_path)  # written just now
    assert counted(db_path) == read_whole(db_path)
    cache = folder_for(db_path) / FACTS_CACHE_NAME
    assert not cache.exists() or documents[0] not in json.loads(cache.read_bytes())["files"]


def _entry(cache: dict, documents: list[str]) -> list:
    return cache["files"][documents[0]]


DAMAGE = {
    "not JSON": lambda cache, documents: b"{not json",
    "a list": lambda cache, documents: b"[]",
    "another format": lambda cache, documents: json.dumps({**cache, "format": 99}).encode(),
    "files not a mapping": lambda cache, documents: json.dumps(
        {"format": 1, "files": []}).encode(),
}
ENTRY_DAMAGE = {
    "an entry cut short": lambda entry: entry[:3],
    "a tag index out of range": lambda entry: [*entry[:3], [0, 10, 99, 0] * 3],
    "a negative annotator index": lambda entry: [*entry[:3], [0, 10, 0, -1] * 3],
    "a true for an offset": lambda entry: [*entry[:3], [True, 10, 0, 0] * 3],
    "a number for a tag": lambda entry: [entry[0], [[5]], *entry[2:]],
    "offsets cut mid-passage": lambda entry: [*entry[:3], entry[3][:-1]],
    "a signature of another file": lambda entry: [[1, 2, 3, 4], *entry[1:]],
}


@pytest.mark.parametrize("damage", [*DAMAGE, *ENTRY_DAMAGE])
def test_anything_odd_in_the_cache_is_ignored(
    db_path: Path, tmp_path: Path, settled_at_once: None, damage: str
) -> None:
    documents, _ = coded_corpus(db_path, tmp_path)
    expected = read_whole(db_path)
    assert counted(db_path) == expected
    path = folder_for(db_path) / FACTS_CACHE_NAME
    cache = json.loads(path.read_bytes())
    if damage in DAMAGE:
        path.write_bytes(DAMAGE[damage](cache, documents))
    else:
        cache["files"][documents[0]] = ENTRY_DAMAGE[damage](_entry(cache, documents))
        path.write_bytes(json.dumps(cache).encode())

    assert counted(db_path) == expected
    assert counted(db_path) == expected  # and the cache made whole again is right too


def test_a_damaged_passage_file_is_still_moved_aside_and_restored(
    db_path: Path, tmp_path: Path, settled_at_once: None
) -> None:
    documents, tags = coded_corpus(db_path, tmp_path)
    assert counted(db_path) == read_whole(db_path)  # cached while whole
    path = passages_path_for(db_path, documents[1])
    assert backup_path_for(path).exists()
    path.write_bytes(path.read_bytes()[:-20])  # cut short

    store = AnnotationStore(db_path)
    facts = sorted(store.passage_facts())
    notices = store.take_notices()
    assert len(notices) == 1 and "moved aside" in notices[0] and "restored" in notices[0]
    assert list(path.parent.glob(f"{path.name}.corrupt-*"))
    assert facts == read_whole(db_path)
    assert PassageFacts(documents[1], 3, 30, (tags["detainees"],), "amal") in facts


def test_a_deleted_passage_file_comes_back_from_its_copy(
    db_path: Path, tmp_path: Path, settled_at_once: None
) -> None:
    documents, _ = coded_corpus(db_path, tmp_path)
    expected = counted(db_path)
    path = passages_path_for(db_path, documents[1])
    path.unlink()

    store = AnnotationStore(db_path)
    assert sorted(store.passage_facts()) == expected
    assert "was missing" in store.take_notices()[0] and path.exists()


def test_the_cache_forgets_documents_removed(db_path: Path, tmp_path: Path,
                                            settled_at_once: None) -> None:
    documents, _ = coded_corpus(db_path, tmp_path)
    counted(db_path)
    AnnotationStore(db_path).remove_document(documents[0])
    assert counted(db_path) == read_whole(db_path)
    cache = json.loads((folder_for(db_path) / FACTS_CACHE_NAME).read_bytes())
    assert documents[0] not in cache["files"] and documents[1] in cache["files"]


def test_tag_counts_notice_a_hand_edit_keeping_size_and_modification_time(
    db_path: Path, tmp_path: Path, settled_at_once: None
) -> None:
    documents, tags = coded_corpus(db_path, tmp_path)
    assert AnnotationStore(db_path).annotation_counts()[tags["refugees"]] == 1  # cached
    path = passages_path_for(db_path, documents[1])
    before = path.stat()
    edited = path.read_text().replace(tags["detainees"], tags["refugees"])
    with open(path, "r+") as handle:
        handle.write(edited)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    assert AnnotationStore(db_path).annotation_counts()[tags["refugees"]] == 2


def test_tag_counts_of_a_file_still_changing_are_not_cached(db_path: Path,
                                                           tmp_path: Path) -> None:
    documents, tags = coded_corpus(db_path, tmp_path)  # written just now
    assert AnnotationStore(db_path).annotation_counts()[tags["refugees"]] == 1
    cache = folder_for(db_path) / "counts.json"
    assert not cache.exists() or documents[0] not in json.loads(cache.read_bytes())
