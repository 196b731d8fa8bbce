"""The folder layout: a single-file database converted exactly, files a team can keep in git,
a change rewriting only the files it touches, and no half-applied change under SIGKILL."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from tinydb import TinyDB

from reader.core import durable
from reader.core import store as store_module
from reader.core.models import Annotation, Document, Tag
from reader.core.store import (
    AnnotationStore,
    folder_for,
    journal_path_for,
    passages_path_for,
    single_file_backup_for,
)

TEXT = "abcdefghijklmnopqrstuvwxyz " * 40
CONTEXT = multiprocessing.get_context("fork")


def register(store: AnnotationStore, folder: Path, name: str) -> str:
    return store.register_document(
        path=folder / f"{name}.txt", text=TEXT, title=name, size=len(TEXT),
        encoding="utf-8", sha256=f"sha-{name}",
    ).document.id


# ---------------------------------------------------------------- a single-file database


def _record(**fields: object) -> dict[str, object]:
    return dict(fields)


def single_file_database() -> dict[str, dict[str, dict[str, object]]]:
    """A database as reader wrote it before the folder layout (schema 1), every kind of record."""
    doc_a = _record(id="doc-a", path="/corpus/a.txt", title="A", size=10, encoding="utf-8",
                    sha256="sha-a", format="text", aliases=["/old/a.txt"], version=2,
                    added="2026-01-01T00:00:00Z", updated="2026-01-02T00:00:00Z")
    doc_b = _record(id="doc-b", path="/corpus/b.md", title="B", size=20, encoding="utf-8",
                    sha256="sha-b", format="markdown", aliases=[], version=1,
                    added="2026-01-01T00:00:00Z", updated="2026-01-01T00:00:00Z")
    parent = _record(id="tag-p", name="aid", colour="#aa0000", description="help", parent=None,
                     hotkey=1, created="2026-01-01T00:00:00Z")
    child = _record(id="tag-c", name="cash", colour="#00aa00", description="", parent="tag-p",
                    hotkey=None, created="2026-01-01T00:00:00Z")

    def passage(number: int, document: str, tags: list[str], memo: str) -> dict[str, object]:
        return _record(id=f"p{number}", document=document, start=number, end=number + 3,
                       quote="abc", prefix="", suffix="", tags=tags, memo=memo,
                       annotator="ana", created=f"2026-01-0{number}T00:00:00Z",
                       updated=f"2026-01-0{number}T00:00:00Z", needs_reanchor=number == 3)

    p1 = passage(1, "doc-a", ["tag-p"], "")
    p2 = passage(2, "doc-b", ["tag-c", "tag-p"], "a memo, with “quotes” and ünïcode")
    p3 = passage(3, "doc-a", [], "memo only")
    step1 = _record(seq=1, origin="cli", label="add annotation", time="2026-01-01T00:00:00Z",
                    changes=[{"table": "annotations", "id": "p3", "before": None, "after": p3}],
                    undone=0)
    step2 = _record(seq=2, origin="tui:1:ab", label="edit", time="2026-01-02T00:00:00Z",
                    changes=[{"table": "tags", "id": "tag-c", "before": child,
                              "after": {**child, "colour": "#0000aa"}}], undone=1)
    return {
        "meta": {"1": {"schema_version": 1, "created": "2026-01-01T00:00:00Z",
                       "database": "db-1", "generation": 41}},
        "documents": {"1": doc_a, "2": doc_b},
        "tags": {"1": parent, "2": child},
        "annotations": {"1": p1, "2": p2, "4": p3},
        "history": {"7": step1, "8": step2},
    }


def write_single_file(db_path: Path) -> bytes:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    original = json.dumps(single_file_database()).encode()
    db_path.write_bytes(original)
    return original


def assert_converted_exactly(store: AnnotationStore) -> None:
    old = single_file_database()

    def records(kind: type[Document] | type[Tag] | type[Annotation], table: str) -> list[Any]:
        # Every field as it was; fields added since (with their defaults) as a model fills them.
        return sorted((kind.from_record(r) for r in old[table].values()), key=lambda r: r.id)

    assert sorted(store.documents(), key=lambda d: d.id) == records(Document, "documents")
    assert sorted(store.tags(), key=lambda t: t.id) == records(Tag, "tags")
    assert sorted(store.annotations(), key=lambda a: a.id) == records(Annotation, "annotations")
    assert [(s.seq, s.origin, s.label, s.time, s.undone) for s in store.history()] == [
        (1, "cli", "add annotation", "2026-01-01T00:00:00Z", False),
        (2, "tui:1:ab", "edit", "2026-01-02T00:00:00Z", True),
    ]


def test_a_single_file_database_is_converted_exactly_and_kept(db_path: Path) -> None:
    original = write_single_file(db_path)

    store = AnnotationStore(db_path)

    [notice] = store.take_notices()
    backup = single_file_backup_for(db_path)
    assert "converted" in notice and str(backup) in notice
    assert backup.read_bytes() == original
    assert_converted_exactly(store)
    assert store.annotation_counts() == {"tag-p": 2, "tag-c": 1}
    meta = json.loads(db_path.read_text())["meta"]["1"]
    assert meta["schema_version"] == 2 and meta["database"] == "db-1"
    assert "generation" not in meta  # rewritten on every save: noise in a diff
    # The history converted is the history undone: the cli's step takes its passage back.
    assert store.undo().label == "add annotation"
    assert [a.id for a in store.annotations()] == ["p1", "p2"]
    again = AnnotationStore(db_path)
    assert again.notices == [] and [a.id for a in again.annotations()] == ["p1", "p2"]


def test_the_old_path_keeps_working_from_the_command_line(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.cli import main

    write_single_file(db_path)
    monkeypatch.setenv("READER_DB", str(db_path))
    assert main(["list", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert [line for line in captured.err.splitlines() if "converted" in line] != []
    assert len(captured.err.strip().splitlines()) == 1  # one line tells the user
    assert sorted(r["id"] for r in json.loads(captured.out)) == ["p1", "p2", "p3"]
    assert main(["--db", str(db_path), "list", "--format", "json"]) == 0
    assert capsys.readouterr().err == ""


def test_a_single_file_database_on_read_only_media_is_shown_converted_and_left_alone(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = write_single_file(db_path)
    writable = store_module.can_write
    monkeypatch.setattr(store_module, "can_write",
                        lambda path: Path(path) != db_path.parent and writable(path))

    store = AnnotationStore(db_path)

    assert store.read_only_reason is not None
    assert_converted_exactly(store)
    assert store.get_annotation("p2").memo.startswith("a memo")
    assert store.annotation_counts() == {"tag-p": 2, "tag-c": 1}
    assert [p.name for p in db_path.parent.iterdir()] == [db_path.name]
    assert db_path.read_bytes() == original


def _convert_and_die_at(db_path: str, write_number: int) -> None:
    """Open (so convert) the database, SIGKILLed at the start of the given file write."""
    real_write = durable.atomic_write_bytes
    count = 0

    def dying_write(*args: object, **kwargs: object) -> None:
        nonlocal count
        count += 1
        if count == write_number:
            os.kill(os.getpid(), signal.SIGKILL)
        real_write(*args, **kwargs)  # type: ignore[arg-type]

    store_module.atomic_write_bytes = dying_write  # type: ignore[assignment]
    AnnotationStore(db_path)
    os._exit(0)


def test_a_kill_at_any_moment_of_a_conversion_loses_nothing(db_path: Path) -> None:
    for write_number in range(1, 12):
        trial = db_path.parent / f"trial-{write_number}" / "annotations.json"
        original = write_single_file(trial)
        child = CONTEXT.Process(target=_convert_and_die_at, args=(str(trial), write_number))
        child.start()
        child.join(60)
        store = AnnotationStore(trial)  # the next open converts what the killed one began
        assert_converted_exactly(store)
        assert single_file_backup_for(trial).read_bytes() == original
        if child.exitcode == 0:  # the conversion finished before this write: nothing left
            break
    else:
        pytest.fail("the conversion wrote more files than the test expects")


# ---------------------------------------------------------------- files a team can keep in git


def test_every_file_is_tinydb_json_with_one_record_per_line(db_path: Path, tmp_path) -> None:
    store = AnnotationStore(db_path)
    first = register(store, tmp_path, "first")
    tag = store.codebook().resolve("refugees").id
    for start in range(3):
        store.add_annotation(first, TEXT, start, start + 2, tags=[tag], memo=f"m{start}")
    store.compact()
    files = [db_path, passages_path_for(db_path, first), folder_for(db_path) / "history.json"]
    for path in files:
        with TinyDB(path, access_mode="r") as database:
            assert database.tables()
        for line in path.read_text().splitlines():
            if line.lstrip(",").startswith('"') and '": {"' in line:
                record = json.loads(line.split(": ", 1)[1])
                assert list(record) == sorted(record)  # stable key order
    lines = passages_path_for(db_path, first).read_text().splitlines()
    assert sum('"memo":"m' in line for line in lines) == 3  # one passage, one line


def test_a_change_rewrites_only_the_files_it_touches(db_path: Path, tmp_path: Path) -> None:
    store = AnnotationStore(db_path)
    first, second = register(store, tmp_path, "first"), register(store, tmp_path, "second")
    tag = store.codebook().resolve("refugees").id
    store.add_annotation(second, TEXT, 0, 2, tags=[tag])
    store.add_annotation(first, TEXT, 0, 2, tags=[tag])
    untouched = {path: (path.read_bytes(), path.stat().st_mtime_ns)
                 for path in (db_path, passages_path_for(db_path, second))}
    before = passages_path_for(db_path, first).read_text().splitlines()

    store.add_annotation(first, TEXT, 4, 8, tags=[tag], memo="new")

    for path, (data, mtime) in untouched.items():
        assert (path.read_bytes(), path.stat().st_mtime_ns) == (data, mtime)
    after = passages_path_for(db_path, first).read_text().splitlines()
    assert len(set(after) - set(before)) == 1  # the diff: the new passage's line


def test_two_copies_changed_on_different_documents_merge_in_git(
    db_path: Path, tmp_path: Path
) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    repo = db_path.parent
    store = AnnotationStore(db_path)
    first, second = register(store, tmp_path, "first"), register(store, tmp_path, "second")
    tag = store.codebook().resolve("refugees").id
    store.add_annotation(first, TEXT, 0, 2, tags=[tag], memo="shared a")
    store.add_annotation(second, TEXT, 0, 2, tags=[tag], memo="shared b")
    run = lambda *args: subprocess.run([*git, *args], cwd=repo, check=True,  # noqa: E731
                                       capture_output=True, text=True)
    run("init", "-q")
    run("add", "-A")
    run("commit", "-qm", "base")
    run("checkout", "-qb", "coder-b")
    AnnotationStore(db_path).add_annotation(second, TEXT, 5, 9, tags=[tag], memo="by b")
    run("commit", "-qam", "b")
    run("checkout", "-q", "main")
    AnnotationStore(db_path).add_annotation(first, TEXT, 5, 9, tags=[tag], memo="by a")
    run("add", "-A")
    run("commit", "-qm", "a")
    run("merge", "-q", "--no-edit", "coder-b")  # raises on a conflict

    merged = AnnotationStore(db_path)
    assert sorted(a.memo for a in merged.annotations()) == [
        "by a", "by b", "shared a", "shared b"]
    assert not run("status", "--porcelain", "--untracked-files=no").stdout.strip()


# ---------------------------------------------------------------- SIGKILL and multi-document steps


def _pair_writer(db_path: str, documents: list[str], tag: str, seed: int, acks) -> None:
    """Steps that each span two documents (a passage in each, or both taken away), forever."""
    store = AnnotationStore(db_path)
    rng = random.Random(seed)
    number = 0
    while True:
        number += 1
        pair = rng.sample(documents, 2)
        live = {a.memo for a in store.annotations()}
        if live and rng.random() < 0.3:
            memo = rng.choice(sorted(live))
            with store.batch("delete pair"):
                for annotation in store.annotations():
                    if annotation.memo == memo:
                        store.delete_annotation(annotation.id)
            acks.send(("delete", memo))
        else:
            memo = f"m{seed}-{number}"
            with store.batch("add pair"):
                for document in pair:
                    store.add_annotation(document, TEXT, number % 50, number % 50 + 4,
                                         tags=[tag], memo=memo)
            acks.send(("add", memo))


def pairs(db_path: Path) -> dict[str, int]:
    """How many passages carry each memo (2 for a whole step; 1 would be half of one)."""
    counts: dict[str, int] = {}
    for annotation in AnnotationStore(db_path).annotations():
        counts[annotation.memo] = counts.get(annotation.memo, 0) + 1
    return counts


@pytest.mark.slow
def test_killing_a_writer_of_multi_document_steps_never_leaves_half_of_one(
    db_path: Path, tmp_path: Path
) -> None:
    store = AnnotationStore(db_path)
    documents = [register(store, tmp_path, f"d{n}") for n in range(4)]
    tag = store.codebook().resolve("refugees").id
    expected: set[str] = set()
    rng = random.Random(1212)
    for trial in range(100):
        receiver, sender = CONTEXT.Pipe(duplex=False)
        writer = CONTEXT.Process(
            target=_pair_writer, args=(str(db_path), documents, tag, trial, sender), daemon=True
        )
        writer.start()
        sender.close()
        time.sleep(rng.uniform(0.0, 0.2))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        while receiver.poll():
            try:
                action, memo = receiver.recv()
            except EOFError:
                break
            if action == "add":
                expected.add(memo)
            else:
                expected.discard(memo)
        receiver.close()
        found = pairs(db_path)
        assert set(found.values()) <= {2}, f"trial {trial}: half a step was left"
        assert len(set(found) ^ expected) <= 1, f"trial {trial}: acknowledged step lost"
        expected = set(found)
        assert AnnotationStore(db_path).notices == []
    assert not [p for p in db_path.parent.rglob("*") if p.name.endswith(".tmp")]


def _merge_and_die_at(db_path: str, source: str, target: str, write_number: int) -> None:
    real_write = durable.atomic_write_bytes
    count = 0

    def dying_write(*args: object, **kwargs: object) -> None:
        nonlocal count
        count += 1
        if count == write_number:
            os.kill(os.getpid(), signal.SIGKILL)
        real_write(*args, **kwargs)  # type: ignore[arg-type]

    store = AnnotationStore(db_path)
    store_module.atomic_write_bytes = dying_write  # type: ignore[assignment]
    store.merge_tags(source, target)
    os._exit(0)


def test_a_kill_at_any_file_write_of_a_tag_merge_leaves_all_or_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    store = AnnotationStore(db_path)
    documents = [register(store, tmp_path, f"d{n}") for n in range(3)]
    source = store.create_tag("source").id
    target = store.codebook().resolve("refugees").id
    for document in documents:
        store.add_annotation(document, TEXT, 0, 4, tags=[source])
    for write_number in range(1, 8):
        child = CONTEXT.Process(
            target=_merge_and_die_at, args=(str(db_path), source, target, write_number)
        )
        child.start()
        child.join(60)
        after = AnnotationStore(db_path)
        tags = {tuple(a.tags) for a in after.annotations()}
        if child.exitcode == 0:
            assert tags == {(target,)} and source not in after.codebook()
            return
        # Killed after the journal's commit (the first write is the catalogue, after it) or
        # before it: the merge is whole in every file, or absent from all of them.
        assert tags in ({(target,)}, {(source,)}), f"write {write_number}: half a merge"
        if tags == {(target,)}:
            assert source not in after.codebook()
            return
    pytest.fail("the merge never finished")


def test_a_torn_journal_line_is_a_step_never_acknowledged(db_path: Path, tmp_path) -> None:
    store = AnnotationStore(db_path)
    document = register(store, tmp_path, "doc")
    tag = store.codebook().resolve("refugees").id
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="kept")
    journal = journal_path_for(db_path)
    with open(journal, "ab") as handle:
        handle.write(b'0badc0de {"changes": [["catalogue", "tags", "x"')  # cut by a crash

    reopened = AnnotationStore(db_path)

    assert reopened.notices == []
    assert [a.memo for a in reopened.annotations()] == ["kept"]
    reopened.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="next")
    assert [a.memo for a in AnnotationStore(db_path).annotations()] == ["kept", "next"]


def test_a_step_whose_files_were_not_written_is_replayed_from_the_journal(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = AnnotationStore(db_path)
    first, second = register(store, tmp_path, "a"), register(store, tmp_path, "b")
    tag = store.codebook().resolve("refugees").id

    def disk_gone(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "atomic_write_bytes", disk_gone)
    with pytest.raises(OSError), store.batch("two documents"):
        store.add_annotation(first, TEXT, 0, 3, tags=[tag], memo="a")
        store.add_annotation(second, TEXT, 0, 3, tags=[tag], memo="b")
    monkeypatch.undo()

    # Committed by the journal before the files failed: the next open finishes it.
    assert sorted(a.memo for a in AnnotationStore(db_path).annotations()) == ["a", "b"]
    assert "a" in passages_path_for(db_path, first).read_text()


def test_the_history_is_bounded_in_bytes(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "HISTORY_BYTES_LIMIT", 4000)
    store = AnnotationStore(db_path)
    document = register(store, tmp_path, "doc")
    tag = store.codebook().resolve("refugees").id
    for start in range(20):
        store.add_annotation(document, TEXT, start, start + 2, tags=[tag])
    store.compact()
    assert 0 < len(store.history()) < 20
    assert (folder_for(db_path) / "history.json").stat().st_size <= 4000 + 200
    with store.batch("a huge import"):
        for start in range(40):
            store.add_annotation(document, TEXT, start, start + 3, tags=[tag], memo="x" * 50)
    with pytest.raises(store_module.UndoConflictError, match="more than the history keeps"):
        store.undo()
    assert len(store.annotations()) == 60  # nothing was taken back half-way


def test_an_append_never_cuts_whole_lines_it_did_not_expect(tmp_path: Path) -> None:
    from reader.core.journal import (
        JournalDamagedError,
        append_entry,
        read_journal,
        write_new_journal,
    )

    journal = tmp_path / "journal"
    _, length = write_new_journal(journal)
    longer = append_entry(journal, {"changes": [1]}, expected_length=length)
    with pytest.raises(JournalDamagedError):  # a stale length would drop the step above
        append_entry(journal, {"changes": [2]}, expected_length=length)
    with open(journal, "ab") as handle:
        handle.write(b"0000 torn")  # a writer died mid-append: that much may go
    append_entry(journal, {"changes": [3]}, expected_length=longer)
    assert [e["changes"] for e in read_journal(journal.read_bytes()).entries] == [[1], [3]]


def test_tag_counts_of_the_corpus_come_without_reading_every_document(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.core import passage_facts

    # Files are cached once settled (see passage_facts.py): these count as settled at once.
    monkeypatch.setattr(passage_facts, "SETTLED_NANOSECONDS", -10**18)
    writer = AnnotationStore(db_path)
    documents = [register(writer, tmp_path, f"d{n}") for n in range(3)]
    tag = writer.codebook().resolve("refugees").id
    for document in documents:
        writer.add_annotation(document, TEXT, 0, 4, tags=[tag])
    assert AnnotationStore(db_path).annotation_counts() == {tag: 3}  # fills the cache

    reads: list[Path] = []
    real_read = store_module.read_regular_file

    def counting_read(path: Path) -> bytes:
        reads.append(Path(path))
        return real_read(path)

    monkeypatch.setattr(store_module, "read_regular_file", counting_read)
    reader = AnnotationStore(db_path)
    assert reader.annotation_counts() == {tag: 3}
    assert not [path for path in reads if path.parent.name == "passages"]
    assert not [key for key in reader._files if key.startswith("passages/")]

    writer.add_annotation(documents[1], TEXT, 5, 9, tags=[tag])  # another process's change
    assert reader.annotation_counts() == {tag: 4}


def test_a_file_written_again_is_written_as_a_fresh_dump_would_write_it() -> None:
    # After its first write, a file keeps each record's line and serialises only the records
    # that changed: every kind of change must still show, byte for byte.
    file = store_module._TableFile("catalogue", {})
    for number in range(1, 6):
        file.set("documents", f"doc-{number}", {"id": f"doc-{number}", "title": f"d{number}"})
    file.set("history", "7", {"seq": 7, "label": "first"})
    file.dump()  # the first write keeps no lines, the second keeps them all
    changes = [
        lambda: file.set("documents", "doc-2", {"id": "doc-2", "title": "renamed"}),
        lambda: file.set("documents", "doc-3", None),
        lambda: file.set("documents", "doc-6", {"id": "doc-6", "title": "added"}),
        lambda: file.set("history", "7", None),
        # The number of a step whose redo chain ended comes back for the next step.
        lambda: file.set("history", "7", {"seq": 7, "label": "second"}),
    ]
    for change in changes:
        file.dump()
        change()
        fresh = store_module._LineFileStorage(
            tables=json.loads(json.dumps(file.rows))
        ).dump()
        assert file.dump() == fresh


def test_tag_counts_asked_again_look_only_at_what_changed(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = AnnotationStore(db_path)
    documents = [register(writer, tmp_path, f"d{n}") for n in range(3)]
    tag = writer.codebook().resolve("refugees").id
    for document in documents:
        writer.add_annotation(document, TEXT, 0, 4, tags=[tag])
    writer.checkpoint()
    reader = AnnotationStore(db_path)
    reader.annotations(document=documents[0])  # the one document this window shows
    assert reader.annotation_counts() == {tag: 3}

    looked: list[Path] = []
    real_signature = store_module.facts_file_signature

    def counting_signature(path: Path):
        looked.append(path)
        return real_signature(path)

    monkeypatch.setattr(store_module, "facts_file_signature", counting_signature)
    reader.add_annotation(documents[0], TEXT, 5, 9, tags=[tag])  # a step of its own
    assert reader.annotation_counts() == {tag: 4}
    assert looked == []  # the other documents' files were not looked at again
    writer.add_annotation(documents[2], TEXT, 5, 9, tags=[tag])  # another process's step
    assert reader.annotation_counts() == {tag: 5}
    assert looked


def test_tag_counts_notice_a_document_file_replaced_outside_reader(
    db_path: Path, tmp_path: Path
) -> None:
    writer = AnnotationStore(db_path)
    documents = [register(writer, tmp_path, f"d{n}") for n in range(2)]
    tag = writer.codebook().resolve("refugees").id
    writer.add_annotation(documents[1], TEXT, 0, 4, tags=[tag])
    writer.checkpoint()
    passages = passages_path_for(db_path, documents[1])
    one_passage = passages.read_bytes()
    writer.add_annotation(documents[1], TEXT, 5, 9, tags=[tag])
    writer.checkpoint()
    reader = AnnotationStore(db_path)
    assert reader.annotation_counts() == {tag: 2}

    # `git checkout` of an older copy: no journal line, a new file in the folder.
    replacement = passages.with_name("checkout.tmp")
    replacement.write_bytes(one_passage)
    os.replace(replacement, passages)

    assert reader.annotation_counts() == {tag: 1}


def test_an_older_default_gitignore_is_brought_up_to_date_and_a_users_is_kept(
    db_path: Path, tmp_path: Path
) -> None:
    store = AnnotationStore(db_path)
    register(store, tmp_path, "d0")
    gitignore = folder_for(db_path) / ".gitignore"
    gitignore.write_text(store_module._OLDER_GITIGNORES[0])
    store.compact()  # a new journal: the folder's files are looked at
    assert gitignore.read_text() == store_module.GITIGNORE
    gitignore.write_text("journal\n# mine\n")
    store.compact()
    assert gitignore.read_text() == "journal\n# mine\n"


# ---------------------------------------------------------------- the catalogue written in place


def test_what_changed_since_the_last_dump_makes_the_file_a_fresh_dump_would_write() -> None:
    # A file written in place is its last dump's first bytes and then `dump_changes`: for
    # every kind of change (added at a table's end, changed anywhere, removed, a table added)
    # that must be the file a fresh dump writes, byte for byte.
    rng = random.Random(1717)
    written_in_part = 0
    for _trial in range(60):
        file = store_module._TableFile("catalogue", {})
        ids: dict[str, list[str]] = {table: [] for table in ("documents", "meta", "tags")}
        on_disk = file.dump()
        for _step in range(30):
            for _change in range(rng.randint(1, 3)):
                table = rng.choice(list(ids))
                roll = rng.random()
                if roll < 0.5 or not ids[table]:
                    record_id = f"{table}-{rng.randrange(10**9)}"
                    ids[table].append(record_id)
                elif roll < 0.85:
                    record_id = rng.choice(ids[table])
                else:
                    file.set(table, ids[table].pop(rng.randrange(len(ids[table]))), None)
                    continue
                file.set(table, record_id, {"id": record_id, "v": "x" * rng.randint(0, 40)})
            offset, tail = file.storage.dump_changes()
            written_in_part += 0 < offset
            on_disk = on_disk[:offset] + tail
            fresh = store_module._LineFileStorage(tables=json.loads(json.dumps(file.rows)))
            assert on_disk == fresh.dump()
    assert written_in_part > 1000  # (not every change rewrote the file from its start)


def _catalogue_writes(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> list[tuple[str, int]]:
    """The catalogue's writes from now on: ("whole", bytes) or ("in place", bytes)."""
    writes: list[tuple[str, int]] = []
    whole, in_place = store_module.atomic_write_bytes, getattr(store_module, "overwrite_from", None)

    def whole_write(path: Path, data: bytes, **kwargs: Any) -> None:
        if Path(path) == db_path:
            writes.append(("whole", len(data)))
        whole(path, data, **kwargs)

    def in_place_write(path: Path, offset: int, data: bytes, **kwargs: Any) -> bool:
        done = in_place(path, offset, data, **kwargs)
        if done and Path(path) == db_path:
            writes.append(("in place", len(data)))
        return done

    monkeypatch.setattr(store_module, "atomic_write_bytes", whole_write)
    monkeypatch.setattr(store_module, "overwrite_from", in_place_write, raising=False)
    return writes


def test_registering_documents_one_by_one_writes_what_each_adds_not_the_catalogue(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 12: rewriting the whole catalogue at each registration made registering a corpus
    # one document at a time quadratic. A step writes the catalogue whole once a checkpoint
    # (keeping the copy a write cut short is made again from), then only its new bytes.
    store = AnnotationStore(db_path)
    for number in range(20):  # (while the codebook after them is most of it, written whole)
        register(store, tmp_path, f"first{number}")
    writes = _catalogue_writes(monkeypatch, db_path)
    count = 3 * store_module.CHECKPOINT_STEPS
    for number in range(count):
        register(store, tmp_path, f"d{number}")

    whole = [size for how, size in writes if how == "whole"]
    in_place = [size for how, size in writes if how == "in place"]
    assert len(whole) + len(in_place) == count
    assert len(whole) <= 3 + 1  # one a checkpoint
    one_document = len(db_path.read_bytes()) // (count + 20)
    codebook = len(json.dumps(json.loads(db_path.read_text())["tags"]))
    assert max(in_place) < one_document + 2 * codebook  # whatever the corpus's size
    # As a fresh dump would write it; whole again, and marked so, after a checkpoint.
    fresh = store_module._LineFileStorage(tables=json.loads(db_path.read_bytes())).dump()
    assert db_path.read_bytes() == fresh
    entries = store_module.read_journal(journal_path_for(db_path).read_bytes()).entries
    assert [e["in_place"] for e in entries if "in_place" in e][-1] == ["catalogue"]


def test_a_change_written_in_place_by_another_process_is_seen_at_any_size_and_time(
    db_path: Path, tmp_path: Path
) -> None:
    writer = AnnotationStore(db_path)
    reader = AnnotationStore(db_path)
    for number in range(20):
        register(writer, tmp_path, f"d{number}")
    tag = reader.codebook().resolve("refugees")  # (reads the writer's steps)
    before = os.stat(db_path)
    new_colour = "#123456" if tag.colour != "#123456" else "#654321"

    writer.update_tag(tag.id, colour=new_colour)
    after = os.stat(db_path)
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)  # in place
    os.utime(db_path, ns=(before.st_atime_ns, before.st_mtime_ns))  # within one clock tick

    assert reader.refresh()
    assert reader.codebook().get(tag.id).colour == new_colour
