"""The store under crashes, concurrent writers and damaged files: nothing acknowledged is lost."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from reader.core.models import Tag
from reader.core.store import AnnotationStore, database_identity, passages_path_for

TEXT = "abcdefghijklmnopqrstuvwxyz " * 40
CONTEXT = multiprocessing.get_context("fork")


def seeded_store(db_path: Path) -> tuple[str, str]:
    """A database with one document; (document id, tag id)."""
    store = AnnotationStore(db_path)
    document = store.register_document(
        path=db_path.parent / "doc.txt", text=TEXT, title="doc", size=len(TEXT),
        encoding="utf-8", sha256="doc",
    ).document
    return document.id, store.codebook().resolve("refugees").id


def memos(db_path: Path) -> dict[str, str]:
    return {a.id: a.memo for a in AnnotationStore(db_path).annotations()}


# ---------------------------------------------------------------- SIGKILL at random moments


def _writer(db_path: str, document: str, tag: str, seed: int, acks) -> None:
    """Insert, update and delete forever, reporting each change once the store returned."""
    store = AnnotationStore(db_path)
    rng = random.Random(seed)
    live: list[str] = [a.id for a in store.annotations()]
    number = 0
    while True:
        number += 1
        action = rng.choice(["add", "add", "update", "delete"]) if live else "add"
        if action == "add":
            start = rng.randrange(0, len(TEXT) - 10)
            annotation = store.add_annotation(
                document, TEXT, start, start + 5, tags=[tag], memo=f"m{seed}-{number}"
            )
            live.append(annotation.id)
            acks.send(("add", annotation.id, annotation.memo))
        elif action == "update":
            target = rng.choice(live)
            store.update_annotation(target, memo=f"u{seed}-{number}")
            acks.send(("update", target, f"u{seed}-{number}"))
        else:
            target = live.pop(rng.randrange(len(live)))
            store.delete_annotation(target)
            acks.send(("delete", target, None))


def _one_step_away(before: dict[str, str], after: dict[str, str]) -> bool:
    """Whether `after` is `before` plus at most one more change (the one being written)."""
    if before == after:
        return True
    added = after.keys() - before.keys()
    removed = before.keys() - after.keys()
    changed = {k for k in before.keys() & after.keys() if before[k] != after[k]}
    return len(added) + len(removed) + len(changed) == 1


@pytest.mark.slow
def test_killing_a_writer_at_random_moments_never_loses_an_acknowledged_change(
    db_path: Path,
) -> None:
    document, tag = seeded_store(db_path)
    expected: dict[str, str] = {}
    rng = random.Random(2254)
    for trial in range(100):
        receiver, sender = CONTEXT.Pipe(duplex=False)
        writer = CONTEXT.Process(
            target=_writer, args=(str(db_path), document, tag, trial, sender), daemon=True
        )
        writer.start()
        sender.close()
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        while receiver.poll():
            try:
                action, annotation, memo = receiver.recv()
            except EOFError:
                break
            if action == "delete":
                expected.pop(annotation, None)
            else:
                expected[annotation] = memo
        receiver.close()
        found = memos(db_path)  # always loads: never corrupt, never silently new
        assert _one_step_away(expected, found), f"trial {trial}: acknowledged change lost"
        expected = found
        store = AnnotationStore(db_path)
        assert store.notices == []
        assert store.codebook().resolve("refugees").id == tag
    leftovers = [p for p in db_path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# ---------------------------------------------------------------- two writers at once


def _busy_writer(db_path: str, document: str, tag: str, label: str, count: int) -> None:
    store = AnnotationStore(db_path, origin="tui" if label == "a" else "cli")
    for number in range(count):
        annotation = store.add_annotation(
            document, TEXT, number, number + 3, tags=[tag], memo=f"{label}{number}"
        )
        if number % 3 == 0:
            store.update_annotation(annotation.id, memo=f"{label}{number}!")


def test_two_processes_writing_at_once_lose_nothing(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    count = 60
    writers = [
        CONTEXT.Process(target=_busy_writer, args=(str(db_path), document, tag, label, count))
        for label in ("a", "b")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    found = sorted(memos(db_path).values())
    wanted = sorted(
        f"{label}{n}!" if n % 3 == 0 else f"{label}{n}" for label in "ab" for n in range(count)
    )
    assert found == wanted
    history = AnnotationStore(db_path).history()
    assert len(history) == 2 * (count + count // 3)


def test_a_store_opened_earlier_sees_and_keeps_changes_made_since(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    early = AnnotationStore(db_path, origin="tui")
    late = AnnotationStore(db_path, origin="cli")
    from_cli = late.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="cli")
    from_tui = early.add_annotation(document, TEXT, 5, 9, tags=[tag], memo="tui")
    assert {a.id for a in late.annotations()} == {from_cli.id, from_tui.id}
    assert {a.id for a in early.annotations()} == {from_cli.id, from_tui.id}


# ---------------------------------------------------------------- damaged files


DAMAGE = {
    "empty": b"",
    "truncated": None,  # the real file cut in half
    "trailing garbage": None,  # the real file with junk after it
    "NaN": b'{"meta": {"1": {"schema_version": 2}}, "tags": {"1": {"x": NaN}}}',
    "not a database": b"[1, 2, 3]",
}


def damage(path: Path, kind: str) -> bytes:
    good = path.read_bytes()
    bad = DAMAGE[kind]
    if kind == "truncated":
        bad = good[: len(good) // 2]
    elif kind == "trailing garbage":
        bad = good + b"\x00garbage"
    assert bad is not None
    path.write_bytes(bad)
    return bad


def aside_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".corrupt-" in p.name]


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_catalogue_is_moved_aside_and_the_last_good_copy_restored(
    db_path: Path, kind: str
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.create_tag("first tag")
    store.create_tag("second tag")
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    bad = damage(db_path, kind)

    reopened = AnnotationStore(db_path)

    [notice] = reopened.notices
    [aside] = aside_files(db_path.parent)
    assert aside.read_bytes() == bad
    assert str(aside) in notice and "restored" in notice
    # The copy lacks the last change to the catalogue; the journal still holds it.
    assert "nothing is lost" in notice
    assert {"first tag", "second tag"} <= {t.name for t in reopened.codebook()}
    assert [a.memo for a in reopened.annotations()] == ["first"]
    assert json.loads(db_path.read_text())  # the file itself is whole again


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_document_file_is_moved_aside_and_restored_with_the_journal(
    db_path: Path, kind: str
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    passages = passages_path_for(db_path, document)
    bad = damage(passages, kind)

    reopened = AnnotationStore(db_path)

    assert reopened.annotations(document=document)  # read on first use
    [notice] = reopened.notices
    [aside] = aside_files(passages.parent)
    assert aside.read_bytes() == bad
    assert str(aside) in notice and "restored" in notice and "nothing is lost" in notice
    assert [a.memo for a in reopened.annotations()] == ["first", "second"]


def test_a_damaged_file_after_compaction_loses_at_most_its_last_change(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    store.compact()  # the journal no longer holds the steps
    damage(passages_path_for(db_path, document), "truncated")

    reopened = AnnotationStore(db_path)

    assert [a.memo for a in reopened.annotations()] == ["first"]
    [notice] = reopened.notices
    assert "that last change is missing" in notice


@pytest.mark.parametrize("kind", ["empty", "truncated", "NaN"])
def test_a_damaged_database_without_a_good_copy_is_never_silently_replaced(
    db_path: Path, kind: str
) -> None:
    seeded_store(db_path)
    bad = damage(db_path, kind)
    db_path.with_name(db_path.name + ".bak").unlink()
    db_path.with_name(db_path.name + ".flushed").unlink(missing_ok=True)

    reopened = AnnotationStore(db_path)

    assert "No good earlier copy" in reopened.notices[0]
    [aside] = aside_files(db_path.parent)
    assert aside.read_bytes() == bad
    assert str(aside) in reopened.notices[0]
    # The folder of the damaged database is kept too, not mixed into the new one.
    assert any("moved aside" in notice and ".d.other-" in notice for notice in reopened.notices)
    assert reopened.codebook().by_hotkey(1).name == "refugees"


def test_a_database_with_a_damaged_record_is_moved_aside_too(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    AnnotationStore(db_path).add_annotation(document, TEXT, 0, 3, tags=[tag], memo="kept")
    AnnotationStore(db_path).add_annotation(document, TEXT, 4, 8, tags=[tag], memo="later")
    passages = passages_path_for(db_path, document)
    data = json.loads(passages.read_text())
    data["annotations"]["99"] = {"id": "x"}
    passages.write_text(json.dumps(data))

    reopened = AnnotationStore(db_path)

    assert [a.memo for a in reopened.annotations()] == ["kept", "later"]
    assert "damaged record (number 99 of annotations)" in reopened.notices[0]
    assert "moved aside" in reopened.notices[0]


def test_a_deleted_database_comes_back_from_its_copy_not_replaced(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.create_tag("kept tag")
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    db_path.unlink()

    reopened = AnnotationStore(db_path)

    assert "was missing" in reopened.notices[0] and "restored" in reopened.notices[0]
    assert [a.memo for a in reopened.annotations()] == ["first"]
    assert reopened.codebook().find("kept tag") is not None
    reopened.add_annotation(document, TEXT, 9, 12, tags=[tag], memo="third")
    backup = db_path.with_name(db_path.name + ".bak")
    assert document in backup.read_text()  # the copy was not replaced by an empty database


def test_a_deleted_document_file_comes_back_from_its_copy(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    passages_path_for(db_path, document).unlink()

    reopened = AnnotationStore(db_path)

    assert [a.memo for a in reopened.annotations()] == ["first", "second"]
    assert "was missing" in reopened.notices[0] and "restored" in reopened.notices[0]


# ---------------------------------------------------------------- damage while a store is open


def test_a_database_deleted_while_open_is_written_back_with_its_newest_change(
    db_path: Path,
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.create_tag("newest")
    db_path.unlink()

    store.add_annotation(document, TEXT, 9, 12, tags=[tag], memo="after")

    assert sorted(memos(db_path).values()) == ["after", "first"]
    assert AnnotationStore(db_path).codebook().find("newest") is not None
    [notice] = store.take_notices()
    assert "deleted while reader had it open" in notice and "nothing is lost" in notice
    assert store.take_notices() == []


def test_a_document_file_deleted_while_open_is_written_back(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="newest")
    passages_path_for(db_path, document).unlink()

    store.add_annotation(document, TEXT, 9, 12, tags=[tag], memo="after")

    assert sorted(memos(db_path).values()) == ["after", "first", "newest"]
    [notice] = store.take_notices()
    assert "deleted while reader had it open" in notice and "nothing is lost" in notice


@pytest.mark.parametrize("kind", list(DAMAGE))
@pytest.mark.parametrize("which", ["catalogue", "document"])
def test_a_database_damaged_while_open_is_moved_aside_and_written_back(
    db_path: Path, kind: str, which: str
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="newest")
    target = db_path if which == "catalogue" else passages_path_for(db_path, document)
    bad = damage(target, kind)

    assert store.refresh()

    assert sorted(memos(db_path).values()) == ["first", "newest"]
    [notice] = store.take_notices()
    [aside] = aside_files(target.parent)
    assert aside.read_bytes() == bad
    assert str(aside) in notice and "nothing is lost" in notice


def test_a_copy_newer_than_what_an_open_store_holds_is_the_one_restored(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    behind = AnnotationStore(db_path)
    behind.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    other = AnnotationStore(db_path, origin="cli")
    other.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    other.add_annotation(document, TEXT, 9, 12, tags=[tag], memo="third")
    passages = passages_path_for(db_path, document)
    passages.unlink()  # `behind` never saw "second": what it holds is not to be written back

    behind.refresh()

    # The copy kept before "third" has "second"; the journal gives "third" back.
    assert sorted(memos(db_path).values()) == ["first", "second", "third"]
    assert "restored" in behind.take_notices()[0]


def test_another_database_put_in_place_is_noticed_and_the_previous_one_kept(
    db_path: Path,
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    kept = store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="mine")
    other_path = db_path.with_name("other.json")
    AnnotationStore(other_path)
    os.replace(other_path, db_path)

    assert store.refresh()

    assert store.take_replaced() and not store.take_replaced()
    [notice] = store.take_notices()
    assert "replaced by a different database" in notice
    [aside] = [p for p in db_path.parent.iterdir()
               if ".replaced-" in p.name and not p.name.endswith(".d")]
    assert str(aside) in notice
    assert [a.id for a in AnnotationStore(aside).annotations()] == [kept.id]
    assert store.documents() == []  # what is open now is the database put in place


def test_a_write_by_another_process_is_not_taken_for_another_database(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    data = json.loads(db_path.read_text())
    for record in data["meta"].values():  # a database from before databases had an identity
        record.pop("database", None)
    db_path.write_text(json.dumps(data))
    open_early = AnnotationStore(db_path)
    AnnotationStore(db_path, origin="cli").add_annotation(document, TEXT, 0, 3, tags=[tag])
    open_early.add_annotation(document, TEXT, 4, 8, tags=[tag])
    AnnotationStore(db_path, origin="cli").add_annotation(document, TEXT, 9, 12, tags=[tag])

    assert open_early.refresh()

    assert not open_early.take_replaced() and open_early.take_notices() == []
    assert len(open_early.annotations()) == 3


def test_an_old_database_given_its_identity_notices_another_put_in_place(db_path: Path) -> None:
    seeded_store(db_path)
    data = json.loads(db_path.read_text())
    for record in data["meta"].values():
        record.pop("database", None)
    db_path.write_text(json.dumps(data))
    store = AnnotationStore(db_path)
    store.ensure_identity()
    assert database_identity(json.loads(db_path.read_text())) is not None
    other_path = db_path.with_name("other.json")
    AnnotationStore(other_path)
    os.replace(other_path, db_path)

    assert store.refresh() and store.take_replaced()




# ---------------------------------------------------------------- checkpoints


def _journal_entries(db_path: Path) -> list[dict[str, Any]]:
    from reader.core.journal import read_journal
    from reader.core.store import journal_path_for

    return read_journal(journal_path_for(db_path).read_bytes()).entries


def _journal_marks(db_path: Path) -> list[str]:
    from reader.core.journal import read_journal
    from reader.core.store import journal_path_for

    entries = read_journal(journal_path_for(db_path).read_bytes()).entries
    return ["done" if "done" in entry else "written" if "written" in entry else "step"
            for entry in entries]


def test_steps_wait_for_a_checkpoint_and_a_power_cut_meanwhile_loses_nothing(
    db_path: Path,
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.checkpoint()
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    store.add_annotation(document, TEXT, 9, 12, tags=[tag], memo="third")
    assert _journal_marks(db_path)[-4:] == ["step", "written"] * 2  # not yet flushed
    passages = passages_path_for(db_path, document)
    flushed = passages.with_name(passages.name + ".flushed")
    assert [a["memo"] for a in json.loads(flushed.read_text())["annotations"].values()] == [
        "first"
    ]
    # A power cut takes what was not flushed: the file and its .bak (written since).
    damage(passages, "empty")
    damage(passages.with_name(passages.name + ".bak"), "truncated")

    reopened = AnnotationStore(db_path)

    assert sorted(a.memo for a in reopened.annotations()) == ["first", "second", "third"]
    assert "nothing is lost" in reopened.notices[0]
    assert _journal_marks(db_path)[-1] == "done"
    assert not flushed.exists()


def test_a_checkpoint_comes_after_so_many_steps(db_path: Path) -> None:
    from reader.core.store import CHECKPOINT_STEPS

    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.checkpoint()
    for number in range(CHECKPOINT_STEPS):
        assert _journal_marks(db_path)[-1] == ("done" if number == 0 else "written")
        store.add_annotation(document, TEXT, number, number + 1, tags=[tag])
    assert _journal_marks(db_path)[-1] == "done"


def test_a_process_that_exits_leaves_its_steps_flushed_and_done(db_path: Path) -> None:
    import subprocess
    import sys

    document, tag = seeded_store(db_path)
    AnnotationStore(db_path).checkpoint()
    script = (
        "import sys; from reader.core.store import AnnotationStore; "
        "store = AnnotationStore(sys.argv[1]); "
        f"store.add_annotation({document!r}, {TEXT!r}, 0, 3, tags=[{tag!r}], memo='saved')"
    )
    subprocess.run([sys.executable, "-c", script, str(db_path)], check=True)

    assert _journal_marks(db_path)[-3:] == ["step", "written", "done"]
    assert not list(db_path.parent.rglob("*.flushed"))
    assert [a.memo for a in AnnotationStore(db_path).annotations()] == ["saved"]


def test_a_checkpoint_never_marks_done_a_step_a_dead_writer_did_not_write(
    db_path: Path,
) -> None:
    import subprocess
    import sys

    document, tag = seeded_store(db_path)
    AnnotationStore(db_path).checkpoint()
    other = AnnotationStore(db_path)
    other.annotations()
    # A writer killed between its journal line and its file writes.
    script = (
        "import os, sys; from reader.core import store as m; "
        "m.AnnotationStore._write_files = lambda self, keys, unflushed: os._exit(9); "
        "m.AnnotationStore(sys.argv[1]).add_annotation("
        f"{document!r}, {TEXT!r}, 4, 8, tags=[{tag!r}], memo='committed')"
    )
    subprocess.run([sys.executable, "-c", script, str(db_path)], check=False)

    other.checkpoint()  # what the exit hook, the command line and the store thread call

    assert [a.memo for a in AnnotationStore(db_path).annotations()] == ["committed"]


def test_another_window_sees_no_change_in_marks_alone(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    AnnotationStore(db_path).checkpoint()
    first, second = AnnotationStore(db_path), AnnotationStore(db_path)
    first.add_annotation(document, TEXT, 0, 3, tags=[tag])
    assert second.refresh()  # a step: a change
    second.checkpoint()  # flushes it and marks it done
    assert not first.refresh()  # the mark alone changes nothing held
    assert _journal_marks(db_path)[-1] == "done"


def test_a_document_removed_before_a_crash_stays_removed_without_a_notice(
    db_path: Path,
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.checkpoint()
    store.add_annotation(document, TEXT, 0, 3, tags=[tag])
    store.checkpoint()
    store.add_annotation(document, TEXT, 4, 8, tags=[tag])  # keeps a .flushed copy meanwhile
    store.remove_document(document)  # and then the process dies, before a checkpoint

    reopened = AnnotationStore(db_path)

    assert reopened.documents() == [] and reopened.annotations() == []
    assert reopened.notices == []
    assert not list(passages_path_for(db_path, document).parent.iterdir())


def test_a_checkpoint_flushes_the_folder_a_linked_catalogue_lives_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.core import store as store_module

    real = tmp_path / "real" / "annotations.json"
    AnnotationStore(real).checkpoint()
    link = tmp_path / "links" / "annotations.json"
    link.parent.mkdir()
    link.symlink_to(real)
    store = AnnotationStore(link)
    flushed: list[Path] = []
    monkeypatch.setattr(store_module, "fsync_directory", lambda path: flushed.append(Path(path)))
    store.create_tag("new tag")
    store.checkpoint()
    assert real.parent in flushed and link.parent not in flushed


# ---------------------------------------------------------------- the catalogue written in place


def _register(store: AnnotationStore, folder: Path, name: str) -> str:
    return store.register_document(
        path=folder / f"{name}.txt", text=TEXT, title=name, size=len(TEXT), encoding="utf-8",
        sha256=f"sha-{name}",
    ).document.id


def _register_and_die_mid_write(db_path: str, folder: str, count: int) -> None:
    """Register `count` documents, then one more, dying halfway through writing it in place."""
    from reader.core import store as store_module

    store = AnnotationStore(db_path)
    for number in range(count):
        _register(store, Path(folder), f"d{number}")
    real_overwrite = store_module.overwrite_from

    def cut_short(path: Path, offset: int, data: bytes, **kwargs: object) -> bool:
        real_overwrite(path, offset, data[: len(data) // 2], **kwargs)  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGKILL)
        return False

    store_module.overwrite_from = cut_short  # type: ignore[assignment]
    _register(store, Path(folder), "last")
    os._exit(0)


def _registered_and_cut(db_path: Path, folder: Path) -> None:
    """A database whose writer died halfway through writing the catalogue in place."""
    writer = CONTEXT.Process(target=_register_and_die_mid_write,
                             args=(str(db_path), str(folder), 30))
    writer.start()
    writer.join(60)
    assert writer.exitcode == -signal.SIGKILL
    with pytest.raises(ValueError):  # the catalogue is cut: not JSON
        json.loads(db_path.read_bytes())


def _is_a_fresh_dump(db_path: Path) -> bool:
    from reader.core.store import _LineFileStorage

    return db_path.read_bytes() == _LineFileStorage(tables=json.loads(db_path.read_bytes())).dump()


def test_a_writer_killed_writing_the_catalogue_in_place_loses_nothing_and_says_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    _registered_and_cut(db_path, tmp_path)

    reopened = AnnotationStore(db_path)

    assert reopened.notices == []
    # Committed by its journal line before the write was cut: kept.
    assert sorted(d.title for d in reopened.documents()) == sorted(
        [f"d{n}" for n in range(30)] + ["last"])
    assert _is_a_fresh_dump(db_path)
    assert not aside_files(db_path.parent)


def test_a_store_open_meanwhile_makes_the_cut_catalogue_again_and_says_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    already_open = AnnotationStore(db_path)
    _registered_and_cut(db_path, tmp_path)

    assert already_open.refresh()

    assert already_open.take_notices() == []
    assert len(already_open.documents()) == 31
    assert _is_a_fresh_dump(db_path)
    _register(already_open, tmp_path, "after")
    assert len(AnnotationStore(db_path).documents()) == 32


def test_a_reader_on_read_only_terms_shows_a_cut_catalogue_as_made_again(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.core import store as store_module

    _registered_and_cut(db_path, tmp_path)
    cut = db_path.read_bytes()
    writable = store_module.can_write
    monkeypatch.setattr(store_module, "can_write",
                        lambda path: Path(path) != db_path.parent and writable(path))

    reader = AnnotationStore(db_path)

    assert reader.read_only_reason is not None and reader.notices == []
    assert len(reader.documents()) == 31
    assert db_path.read_bytes() == cut  # made again in memory only


def _registering_writer(db_path: str, folder: str, seed: int, acks) -> None:
    store = AnnotationStore(db_path)
    number = 0
    while True:
        number += 1
        name = f"w{seed}-{number}"
        _register(store, Path(folder), name)
        acks.send(name)


@pytest.mark.slow
def test_killing_a_registering_writer_at_random_moments_never_loses_a_document(
    db_path: Path, tmp_path: Path
) -> None:
    AnnotationStore(db_path)
    acknowledged: set[str] = set()
    rng = random.Random(1212)
    for trial in range(60):
        receiver, sender = CONTEXT.Pipe(duplex=False)
        writer = CONTEXT.Process(target=_registering_writer,
                                 args=(str(db_path), str(tmp_path), trial, sender), daemon=True)
        writer.start()
        sender.close()
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        while receiver.poll():
            try:
                acknowledged.add(receiver.recv())
            except EOFError:
                break
        receiver.close()
        store = AnnotationStore(db_path)
        found = {document.title for document in store.documents()}
        assert store.notices == [], f"trial {trial}"
        assert acknowledged <= found and len(found - acknowledged) <= 1, f"trial {trial}"
        assert _is_a_fresh_dump(db_path), f"trial {trial}"
        acknowledged = found


def _busy_registrar(db_path: str, folder: str, label: str, count: int) -> None:
    store = AnnotationStore(db_path)
    for number in range(count):
        _register(store, Path(folder), f"{label}{number}")


def test_two_processes_registering_at_once_lose_nothing(db_path: Path, tmp_path: Path) -> None:
    AnnotationStore(db_path)
    count = 80
    writers = [CONTEXT.Process(target=_busy_registrar,
                               args=(str(db_path), str(tmp_path), label, count))
               for label in ("a", "b")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0

    store = AnnotationStore(db_path)
    assert sorted(d.title for d in store.documents()) == sorted(
        f"{label}{n}" for label in "ab" for n in range(count))
    assert store.notices == [] and _is_a_fresh_dump(db_path)


def test_a_power_cut_while_the_catalogue_was_written_in_place_loses_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    store = AnnotationStore(db_path)
    store.checkpoint()
    for number in range(20):
        _register(store, tmp_path, f"d{number}")
    assert _journal_marks(db_path)[-2:] == ["step", "written"]  # not flushed yet
    # The cut takes part of what was written in place since the checkpoint.
    damage(db_path, "truncated")

    reopened = AnnotationStore(db_path)

    assert "nothing is lost" in reopened.notices[0]
    assert sorted(d.title for d in reopened.documents()) == sorted(f"d{n}" for n in range(20))
    assert _is_a_fresh_dump(db_path)


def test_a_catalogue_damaged_after_compaction_is_restored_with_every_registration(
    db_path: Path, tmp_path: Path
) -> None:
    store = AnnotationStore(db_path)
    store.checkpoint()
    for number in range(20):  # written in place since the checkpoint: `.bak` is from before
        _register(store, tmp_path, f"d{number}")
    store.compact()  # the journal that held those registrations is started again
    damage(db_path, "truncated")

    reopened = AnnotationStore(db_path)

    assert "was restored" in reopened.notices[0]
    assert sorted(d.title for d in reopened.documents()) == sorted(f"d{n}" for n in range(20))


def test_a_power_cut_that_tore_the_catalogue_written_in_place_into_valid_json_loses_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    """Overwritten blocks reach the disk in no order, and the journal's "written" marks are
    not flushed either: a cut can keep the marks and a catalogue whose blocks come from two
    writes. Torn inside a long string, such a catalogue is still JSON, only wrong."""
    store = AnnotationStore(db_path)
    memo = "A long memo about this code. " * 300  # spans blocks of 4,096 bytes
    tag = store.create_tag("long memo", description=memo)
    for number in range(30):
        _register(store, tmp_path, f"d{number}")
    store.checkpoint()
    _register(store, tmp_path, "first")  # written whole: the interval's .flushed copy kept
    _register(store, tmp_path, "second")
    before = db_path.read_bytes()
    _register(store, tmp_path, "third")
    after = db_path.read_bytes()
    assert _journal_marks(db_path)[-2:] == ["step", "written"]
    assert len(after) > len(before) and after[:100] == before[:100]  # written in place
    # The block holding the new line reached the disk; a later one, inside the memo, did not.
    shift = len(after) - len(before)
    start = before.index(memo.encode())
    cut = next(block for block in range(4096, len(before), 4096)
               if start + shift < block < start + len(memo))
    torn = after[:cut] + before[cut:]
    assert json.loads(torn)  # still JSON
    db_path.write_bytes(torn)

    reopened = AnnotationStore(db_path)

    assert reopened.codebook().get(tag.id).description == memo
    assert sorted(d.title for d in reopened.documents()) == sorted(
        [f"d{n}" for n in range(30)] + ["first", "second", "third"])
    assert _is_a_fresh_dump(db_path)


def test_a_catalogue_put_in_place_after_a_writer_died_writing_it_is_not_made_again(
    db_path: Path, tmp_path: Path
) -> None:
    """`git checkout` or `git pull` renames a new catalogue into place: the journal's steps
    apply onto it, and the copy the dead writer kept does not replace it."""
    import shutil

    AnnotationStore(db_path).checkpoint()
    clone = tmp_path / "clone" / db_path.name
    shutil.copytree(db_path.parent, clone.parent)
    _register(AnnotationStore(clone), tmp_path, "teammate")
    _registered_and_cut(db_path, tmp_path)
    pulled = db_path.with_name("pulled.tmp")
    pulled.write_bytes(clone.read_bytes())
    os.replace(pulled, db_path)  # as git does: a new file

    reopened = AnnotationStore(db_path)

    assert sorted(d.title for d in reopened.documents()) == sorted(
        [f"d{n}" for n in range(30)] + ["last", "teammate"])


def test_a_catalogue_written_in_place_and_numbered_on_is_taken_as_good_on_opening(
    db_path: Path, tmp_path: Path
) -> None:
    """The writer numbers records on from the last it gave; its copy and the journal may
    number them from the last the copy holds. The same records are no damage."""
    store = AnnotationStore(db_path)
    for number in range(30):
        _register(store, tmp_path, f"d{number}")
    store.remove_document(_register(store, tmp_path, "removed"))
    store.checkpoint()
    for number in range(3):
        _register(store, tmp_path, f"after{number}")
    assert any("in_place" in entry for entry in _journal_entries(db_path))

    opened = AnnotationStore(db_path)

    assert opened.notices == [] and not aside_files(db_path.parent)
    assert len(opened.documents()) == 33


def _writer_in_an_interval_and_a_reader_without_the_lock(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, memo: str, documents: int
) -> tuple[AnnotationStore, AnnotationStore, Tag]:
    """A writer a step into a checkpoint interval (its catalogue written whole once, so the
    next steps write in place), a tag with `memo`, and a store reading without the lock."""
    from reader.core import store as store_module

    writer = AnnotationStore(db_path)
    tag = writer.create_tag("memo", description=memo)
    for number in range(documents):
        _register(writer, tmp_path, f"d{number}")
    writer.checkpoint()
    _register(writer, tmp_path, "first")  # written whole: the interval's .flushed copy kept
    writable = store_module.can_write
    monkeypatch.setattr(store_module, "can_write",
                        lambda path: Path(path) != db_path.parent and writable(path))
    reader = AnnotationStore(db_path)
    monkeypatch.setattr(store_module, "can_write", writable)
    assert reader.read_only_reason is not None
    return writer, reader, tag


def test_a_reader_without_the_lock_never_keeps_a_catalogue_read_torn_mid_write(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read does not wait for a write in place: read a block at a time, a catalogue being
    written can show one block from before the write amid those after it. Inside a long memo
    that is still JSON, with the file's final size and time: taken for good, it stayed."""
    from reader.core import store as store_module

    memo = "A long memo about this code. " * 400  # holds a whole block of 4,096 bytes
    # (80 documents: the catalogue is written in place when that is its lesser part)
    writer, reader, tag = _writer_in_an_interval_and_a_reader_without_the_lock(
        db_path, tmp_path, monkeypatch, memo=memo, documents=80
    )
    real_overwrite, real_read = store_module.overwrite_from, store_module.read_regular_file
    shown: dict[Path, bytes] = {}
    written_in_place = []

    def read(path: Path) -> bytes:
        return shown.pop(Path(path), None) or real_read(path)

    def overwrite_while_read(path: Path, offset: int, data: bytes, **kwargs: Any) -> bool:
        before = real_read(path)
        done = real_overwrite(path, offset, data, **kwargs)
        written_in_place.append(done)
        after = real_read(path)
        shift, start = len(after) - len(before), before.index(memo.encode())
        block = next(block for block in range(4096, len(before), 4096)
                     if start + shift < block and block + 4096 + shift < start + len(memo))
        shown[Path(path)] = torn = after[:block] + before[block:block + 4096] + after[block + 4096:]
        assert json.loads(torn) and len(torn) == len(after)
        reader.refresh()  # while the writer is between its journal line and its mark
        return done

    monkeypatch.setattr(store_module, "read_regular_file", read)
    monkeypatch.setattr(store_module, "overwrite_from", overwrite_while_read)
    _register(writer, tmp_path, "second")
    monkeypatch.setattr(store_module, "overwrite_from", real_overwrite)
    assert written_in_place == [True] and not shown  # the reader read it mid-write
    reader.refresh()

    assert reader.codebook().get(tag.id).description == memo
    assert "second" in {d.title for d in reader.documents()}


def test_a_catalogue_pulled_by_git_mid_interval_keeps_its_records_when_written_in_place(
    db_path: Path, tmp_path: Path
) -> None:
    """A catalogue put in place by another hand (`git pull`) holds records no journal line
    does: the copy kept at the interval's start and the journal no longer make the file, so
    what is written in place after it could not be made again from them."""
    import shutil

    store = AnnotationStore(db_path)
    for number in range(30):
        _register(store, tmp_path, f"d{number}")
    store.checkpoint()
    for number in range(3):
        _register(store, tmp_path, f"mine{number}")
    clone = tmp_path / "clone" / db_path.name
    shutil.copytree(db_path.parent, clone.parent)
    _register(AnnotationStore(clone), tmp_path, "teammate")
    pulled = db_path.with_name("pulled.tmp")
    pulled.write_bytes(clone.read_bytes())
    os.replace(pulled, db_path)  # as git does: a new file
    for number in range(3):
        _register(store, tmp_path, f"later{number}")

    opened = AnnotationStore(db_path)  # (a power cut or a kill would find the same)

    assert opened.notices == [] and not aside_files(db_path.parent)
    assert "teammate" in {d.title for d in opened.documents()}
    assert len(opened.documents()) == 37


def test_a_reader_without_the_lock_reading_a_cut_catalogue_as_its_writer_ends_is_not_refused(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catalogue written in place shorter is cut to size after its bytes are written: a
    read between shows it with the old end, not JSON. If the writer has marked its step
    written by the time the reader looks at the journal, that is still no damage."""
    from reader.core import store as store_module
    from reader.core.journal import WRITTEN, mark_line

    writer, reader, tag = _writer_in_an_interval_and_a_reader_without_the_lock(
        db_path, tmp_path, monkeypatch, memo="a memo to be cut short " * 20, documents=40
    )
    real_overwrite, real_read = store_module.overwrite_from, store_module.read_regular_file
    shown: dict[Path, bytes] = {}
    written_in_place = []

    def read(path: Path) -> bytes:
        raw = shown.pop(Path(path), None)
        if raw is None:
            return real_read(path)
        # The writer goes on meanwhile: its step is marked written before the reader looks.
        with open(store_module.journal_path_for(db_path), "ab") as journal:
            journal.write(mark_line(WRITTEN))
        return raw

    def overwrite_while_read(path: Path, offset: int, data: bytes, **kwargs: Any) -> bool:
        before = real_read(path)
        done = real_overwrite(path, offset, data, **kwargs)
        written_in_place.append(done)
        after = real_read(path)
        shown[Path(path)] = after + before[len(after):]  # written, not yet cut to size
        reader.refresh()
        return done

    monkeypatch.setattr(store_module, "read_regular_file", read)
    monkeypatch.setattr(store_module, "overwrite_from", overwrite_while_read)
    writer.update_tag(tag.id, description="short")
    monkeypatch.setattr(store_module, "overwrite_from", real_overwrite)
    assert written_in_place == [True] and not shown
    reader.refresh()

    assert reader.codebook().get(tag.id).description == "short"
    assert len(reader.documents()) == 41 and reader.notices == []


def test_a_catalogue_that_may_not_be_opened_for_writing_is_written_whole(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made read-only after the store opened (`chmod a-w`, not as root): a rename still
    replaces it, as before the catalogue was written in place, so the step is not reported
    as failed once committed."""
    from reader.core import durable

    store = AnnotationStore(db_path)
    for number in range(40):
        _register(store, tmp_path, f"d{number}")
    store.checkpoint()
    _register(store, tmp_path, "first")  # written whole: the interval's .flushed copy kept
    real_open = os.open

    def open_as_if_read_only(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path) == db_path and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(durable.os, "open", open_as_if_read_only)
    _register(store, tmp_path, "second")
    monkeypatch.setattr(durable.os, "open", real_open)

    assert "second" in {d.title for d in AnnotationStore(db_path).documents()}
    assert _is_a_fresh_dump(db_path)
