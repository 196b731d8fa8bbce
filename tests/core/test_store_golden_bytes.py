"""The bytes a small database is written as, pinned: files written through TinyDB come out
exactly as the files of the same database written before the store went through TinyDB.

The golden files in `golden_database/` were written by the store as it was before (main at
bc05c08, which wrote TinyDB's format by hand). To write them again from some code tree:

    PYTHONPATH=/path/to/tree python tests/core/test_store_golden_bytes.py OUT_FOLDER
"""

from __future__ import annotations

import shutil
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

GOLDEN = Path(__file__).with_name("golden_database")
TEXT = "The interviewer asked about the harvest, and the farmer spoke of rain. " * 8
# Every file but the journal (its lines carry a checksum over a random epoch) and the lock.
NOT_COMPARED = {"journal", "db.json.lock", ".gitignore"}


def _compared(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")
                  if path.is_file() and path.name not in NOT_COMPARED)


class _Clock(datetime):
    """A clock that moves one second each time it is read, from a fixed start."""

    ticks = 0

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        cls.ticks += 1
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=cls.ticks)


def _numbered_uuids():
    counter = iter(range(1, 1_000_000))
    return lambda: uuid.UUID(f"00000000-0000-4000-8000-{next(counter):012d}")


def write_small_database(folder: Path) -> Path:
    """A small database made the same way every time (ids and clock made deterministic): two
    documents, passages, a tag renamed and one merged, a passage deleted, an undo, and the
    journal compacted so that the history file is written too."""
    from reader.core import models
    from reader.core.store import AnnotationStore

    original_uuid4, original_datetime = uuid.uuid4, models.datetime
    uuid.uuid4 = _numbered_uuids()  # type: ignore[assignment]
    _Clock.ticks = 0
    models.datetime = _Clock  # type: ignore[misc]
    try:
        store = AnnotationStore(folder / "db.json")
        documents = [
            store.register_document(
                path=f"/golden/{name}.txt", text=TEXT, title=name, size=len(TEXT),
                encoding="utf-8", sha256=f"sha-{name}",
            ).document.id
            for name in ("interview-a", "interview-b")
        ]
        weather = store.create_tag("nature/weather", description="rain, sun, “snow”")
        harvest = store.create_tag("work/harvest", hotkey=None)
        spare = store.create_tag("spare")
        passages = []
        for number, document_id in enumerate(documents):
            for start in range(0, 200, 40):
                passages.append(store.add_annotation(
                    document_id, TEXT, start + number, start + number + 25,
                    tags=[weather.id] if start % 80 else [harvest.id, spare.id],
                    memo="ünïcode memo" if start == 40 else "",
                ))
        store.rename_tag(harvest.id, "work/the harvest")
        store.merge_tags(spare.id, weather.id)
        store.delete_annotation(passages[3].id)
        store.update_annotation(passages[0].id, memo="first")
        store.undo()
        store.compact()
        return folder / "db.json"
    finally:
        uuid.uuid4 = original_uuid4  # type: ignore[assignment]
        models.datetime = original_datetime  # type: ignore[misc]


def test_a_small_database_is_written_byte_for_byte_as_before(tmp_path: Path) -> None:
    write_small_database(tmp_path)
    assert _compared(tmp_path) == _compared(GOLDEN)
    for name in _compared(GOLDEN):
        assert (tmp_path / name).read_bytes() == (GOLDEN / name).read_bytes(), name


def test_every_golden_file_reads_and_writes_back_through_tinydb_unchanged(
    tmp_path: Path,
) -> None:
    from reader.core.store import read_database_file, write_database_file

    for name in _compared(GOLDEN):
        path = tmp_path / name.replace("/", "_")
        write_database_file(path, read_database_file(GOLDEN / name))
        assert path.read_bytes() == (GOLDEN / name).read_bytes(), name


def test_a_change_replaces_a_record_whole_in_its_place() -> None:
    """A record set again is the new record, not the new one merged into the old (an undo puts
    back a record from before a field existed), and keeps its line in the file."""
    from reader.core.store import _TableFile

    file = _TableFile("catalogue", {"tags": {}})
    file.set("tags", "a", {"id": "a", "name": "first", "extra": 1})
    file.set("tags", "b", {"id": "b", "name": "second"})
    file.set("tags", "a", {"id": "a", "name": "renamed"})
    assert file.get("tags", "a") == {"id": "a", "name": "renamed"}
    assert file.dump() == (b'{\n"tags": {\n"1": {"id":"a","name":"renamed"}\n'
                           b',"2": {"id":"b","name":"second"}\n}\n}\n')
    file.set("tags", "a", None)
    assert file.get("tags", "a") is None
    assert [record["id"] for record in file.values("tags")] == ["b"]


def test_a_record_number_written_by_hand_with_leading_zeros_is_found(tmp_path: Path) -> None:
    from reader.core.store import AnnotationStore

    shutil.copytree(GOLDEN, tmp_path / "db", ignore=shutil.ignore_patterns("*.bak"))
    catalogue = tmp_path / "db" / "db.json"
    catalogue.write_bytes(catalogue.read_bytes().replace(b'\n"1": {"added"', b'\n"001": {"added"'))
    store = AnnotationStore(catalogue)
    first = store.get_document("00000000-0000-4000-8000-000000000010")
    assert first.title == "interview-a"
    store.update_document(first.evolve(title="renamed"))
    assert store.get_document(first.id).title == "renamed"
    assert b'\n"1": {"added"' in catalogue.read_bytes()


if __name__ == "__main__":
    target = Path(sys.argv[1])
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    write_small_database(target)
    print("\n".join(str(path) for path in sorted(target.rglob("*")) if path.is_file()))
