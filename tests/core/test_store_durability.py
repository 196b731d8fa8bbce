"""The store under crashes, concurrent writers and damaged files: nothing acknowledged is lost."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest

from reader.core.store import AnnotationStore, database_identity

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
    "NaN": b'{"meta": {"1": {"schema_version": 1}}, "tags": {"1": {"x": NaN}}}',
    "not a database": b"[1, 2, 3]",
}


def damage(db_path: Path, kind: str) -> bytes:
    good = db_path.read_bytes()
    bad = DAMAGE[kind]
    if kind == "truncated":
        bad = good[: len(good) // 2]
    elif kind == "trailing garbage":
        bad = good + b"\x00garbage"
    assert bad is not None
    db_path.write_bytes(bad)
    return bad


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_database_is_moved_aside_and_the_last_good_copy_restored(
    db_path: Path, kind: str
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    first = store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    bad = damage(db_path, kind)

    reopened = AnnotationStore(db_path)

    assert len(reopened.notices) == 1
    notice = reopened.notices[0]
    aside = [p for p in db_path.parent.iterdir() if ".corrupt-" in p.name
             and not p.name.endswith(".restored-from")]
    assert len(aside) == 1 and aside[0].read_bytes() == bad
    assert str(aside[0]) in notice and "restored" in notice
    # The copy is the database before the last change: only that change can be missing.
    assert [a.memo for a in reopened.annotations()] == ["first"]
    assert reopened.get_annotation(first.id).memo == "first"
    assert json.loads(db_path.read_text())  # the file itself is whole again


@pytest.mark.parametrize("kind", ["empty", "truncated", "NaN"])
def test_a_damaged_database_without_a_good_copy_is_never_silently_replaced(
    db_path: Path, kind: str
) -> None:
    seeded_store(db_path)
    bad = damage(db_path, kind)
    db_path.with_name(db_path.name + ".bak").unlink()

    reopened = AnnotationStore(db_path)

    assert len(reopened.notices) == 1
    assert "No good earlier copy" in reopened.notices[0]
    aside = [p for p in db_path.parent.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == bad
    assert str(aside[0]) in reopened.notices[0]
    assert reopened.codebook().by_hotkey(1).name == "refugees"


def test_a_database_with_a_damaged_record_is_moved_aside_too(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    AnnotationStore(db_path).add_annotation(document, TEXT, 0, 3, tags=[tag], memo="kept")
    AnnotationStore(db_path).add_annotation(document, TEXT, 4, 8, tags=[tag], memo="later")
    data = json.loads(db_path.read_text())
    data["annotations"]["99"] = {"id": "x"}
    db_path.write_text(json.dumps(data))

    reopened = AnnotationStore(db_path)

    assert "damaged record (number 99 of annotations)" in reopened.notices[0]
    assert "moved aside" in reopened.notices[0]
    assert [a.memo for a in reopened.annotations()] == ["kept"]


def test_a_deleted_database_comes_back_from_its_copy_not_replaced(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    db_path.unlink()

    reopened = AnnotationStore(db_path)

    assert "was missing" in reopened.notices[0] and "restored" in reopened.notices[0]
    assert [a.memo for a in reopened.annotations()] == ["first"]
    reopened.add_annotation(document, TEXT, 9, 12, tags=[tag], memo="third")
    backup = db_path.with_name(db_path.name + ".bak")
    assert '"first"' in backup.read_text()  # the copy was not replaced by an empty database


# ---------------------------------------------------------------- damage while a store is open


def test_a_database_deleted_while_open_is_written_back_with_its_newest_change(
    db_path: Path,
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="newest")
    db_path.unlink()

    store.add_annotation(document, TEXT, 9, 12, tags=[tag], memo="after")

    assert sorted(memos(db_path).values()) == ["after", "first", "newest"]
    [notice] = store.take_notices()
    assert "deleted while reader had it open" in notice and "nothing is lost" in notice
    assert store.take_notices() == []


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_database_damaged_while_open_is_moved_aside_and_written_back(
    db_path: Path, kind: str
) -> None:
    document, tag = seeded_store(db_path)
    store = AnnotationStore(db_path)
    store.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="newest")
    bad = damage(db_path, kind)

    assert store.refresh()

    assert sorted(memos(db_path).values()) == ["first", "newest"]
    [notice] = store.take_notices()
    aside = [p for p in db_path.parent.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == bad
    assert str(aside[0]) in notice and "nothing is lost" in notice


def test_a_copy_newer_than_what_an_open_store_holds_is_the_one_restored(db_path: Path) -> None:
    document, tag = seeded_store(db_path)
    behind = AnnotationStore(db_path)
    behind.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    other = AnnotationStore(db_path, origin="cli")
    other.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    other.add_annotation(document, TEXT, 9, 12, tags=[tag], memo="third")
    db_path.unlink()  # `behind` never saw "second": the copy kept before "third" has it

    behind.refresh()

    assert sorted(memos(db_path).values()) == ["first", "second"]
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
    [aside] = [p for p in db_path.parent.iterdir() if ".replaced-" in p.name]
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


@pytest.mark.parametrize("fault", ["deleted", "truncated"])
def test_a_change_lost_with_the_file_is_not_reported_as_nothing_lost(
    db_path: Path, fault: str
) -> None:
    document, tag = seeded_store(db_path)
    behind = AnnotationStore(db_path)
    behind.add_annotation(document, TEXT, 0, 3, tags=[tag], memo="first")
    # One write by another process that `behind` never read: only the file had it.
    AnnotationStore(db_path, origin="cli").add_annotation(
        document, TEXT, 4, 8, tags=[tag], memo="second"
    )
    if fault == "deleted":
        db_path.unlink()
    else:
        damage(db_path, fault)

    behind.refresh()

    assert sorted(memos(db_path).values()) == ["first"]
    [notice] = behind.take_notices()
    assert "nothing is lost" not in notice
    assert "restored" in notice
