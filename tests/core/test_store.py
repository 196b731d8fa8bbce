"""The store: documents, codebook, annotations, undo and migrations (one process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader.core.codebook import CodebookError
from reader.core.store import (
    HISTORY_LIMIT,
    AnnotationStore,
    NewerSchemaError,
    StoreError,
    UndoConflictError,
    window_origin,
)

TEXT = "The U.N. envoy met families of detainees. Refugees in Lebanon asked about return."


def register(store: AnnotationStore, path: Path, text: str = TEXT, sha: str = "sha-1"):
    return store.register_document(
        path=path, text=text, title="Statement", size=len(text), encoding="utf-8", sha256=sha
    )


@pytest.fixture
def store(db_path: Path) -> AnnotationStore:
    return AnnotationStore(db_path, annotator="tester")


@pytest.fixture
def document(store: AnnotationStore, tmp_path: Path):
    path = tmp_path / "statement.txt"
    path.write_text(TEXT)
    return register(store, path).document


def tag_id(store: AnnotationStore, name: str) -> str:
    return store.codebook().resolve(name).id


def test_a_new_database_starts_with_the_default_codebook(store: AnnotationStore) -> None:
    codebook = store.codebook()
    assert codebook.by_hotkey(1).name == "refugees"
    names = {tag.name for tag in codebook}
    assert {"recovery funds", "detainees", "human rights", "political process",
            "sanctions and normalization", "humanitarian aid", "local governance"} <= names
    assert len({tag.colour for tag in codebook}) == len(codebook)
    assert store.history() == []  # the default codebook is not an undoable step


def test_the_file_records_its_schema_version(store: AnnotationStore, db_path: Path) -> None:
    data = json.loads(db_path.read_text())
    assert data["meta"]["1"]["schema_version"] == 2


def test_add_annotation_records_quote_context_and_annotator(store, document) -> None:
    start = TEXT.index("Refugees")
    end = TEXT.index(" asked")
    annotation = store.add_annotation(
        document.id, TEXT, start, end, tags=[tag_id(store, "refugees")], memo="Lebanon"
    )
    assert annotation.quote == "Refugees in Lebanon"
    assert annotation.prefix == TEXT[max(0, start - 32):start]
    assert annotation.suffix == TEXT[end:end + 32]
    assert annotation.annotator == "tester"
    assert annotation.created.endswith("Z") and "T" in annotation.created
    reopened = AnnotationStore(store.path)
    assert reopened.get_annotation(annotation.id) == annotation


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(5, 5, "empty"), (9, 3, "empty"), (0, len(TEXT) + 1, "outside"), (-1, 3, "outside")],
)
def test_impossible_spans_are_refused(store, document, start, end, message) -> None:
    with pytest.raises(StoreError, match=message):
        store.add_annotation(document.id, TEXT, start, end, tags=[tag_id(store, "refugees")])
    assert store.annotations() == []


def test_a_span_never_splits_a_grapheme_cluster(store, tmp_path) -> None:
    text = "Flag 🇱🇧 and e\u0301 here"
    doc = register(store, tmp_path / "g.txt", text, sha="g").document
    flag = text.index("🇱🇧")
    with pytest.raises(StoreError, match="splits"):
        store.add_annotation(doc.id, text, flag + 1, flag + 2, tags=[tag_id(store, "refugees")])
    accent = text.index("e\u0301")
    with pytest.raises(StoreError, match="splits"):
        store.add_annotation(doc.id, text, accent, accent + 1, tags=[tag_id(store, "refugees")])
    ok = store.add_annotation(doc.id, text, flag, flag + 2, tags=[tag_id(store, "refugees")])
    assert ok.quote == "🇱🇧"


def test_a_passage_needs_a_tag_or_a_memo(store, document) -> None:
    with pytest.raises(StoreError, match="tag or a memo"):
        store.add_annotation(document.id, TEXT, 0, 3)
    memo_only = store.add_annotation(document.id, TEXT, 0, 3, memo="check this")
    assert memo_only.tags == ()


def test_overlapping_and_nested_annotations_are_allowed(store, document) -> None:
    refugees = tag_id(store, "refugees")
    store.add_annotation(document.id, TEXT, 0, 40, tags=[refugees])
    store.add_annotation(document.id, TEXT, 10, 30, tags=[refugees])
    store.add_annotation(document.id, TEXT, 20, 60, tags=[refugees])
    assert [(a.start, a.end) for a in store.annotations(document=document.id)] == [
        (0, 40), (10, 30), (20, 60)
    ]


def test_removing_the_last_tag_and_memo_removes_the_passage(store, document) -> None:
    refugees = tag_id(store, "refugees")
    annotation = store.add_annotation(document.id, TEXT, 0, 3, tags=[refugees])
    assert store.toggle_tag(annotation.id, refugees) is None
    assert store.annotations() == []
    store.undo()
    assert [a.id for a in store.annotations()] == [annotation.id]


def test_update_span_memo_and_tags(store, document) -> None:
    refugees, detainees = tag_id(store, "refugees"), tag_id(store, "detainees")
    annotation = store.add_annotation(document.id, TEXT, 0, 3, tags=[refugees])
    widened = store.update_annotation(annotation.id, span=(TEXT, 0, 8), memo="envoy",
                                      tags=[refugees, detainees])
    assert widened is not None
    assert widened.quote == "The U.N."
    assert widened.tags == (refugees, detainees)
    assert widened.memo == "envoy"
    assert widened.created == annotation.created


def test_undo_and_redo_each_change(store, document) -> None:
    refugees = tag_id(store, "refugees")
    first = store.add_annotation(document.id, TEXT, 0, 3, tags=[refugees])
    store.update_annotation(first.id, memo="a memo")
    store.delete_annotation(first.id)
    assert store.annotations() == []
    assert store.undo().label == "delete annotation"
    assert store.get_annotation(first.id).memo == "a memo"
    assert store.undo().label == "edit annotation"
    assert store.get_annotation(first.id).memo == ""
    assert store.redo().label == "edit annotation"
    assert store.get_annotation(first.id).memo == "a memo"
    assert store.undo() and store.undo()
    assert store.annotations() == []
    assert store.undo() is None
    assert store.redo().label == "add annotation"


def test_a_new_change_ends_the_redo_chain(store, document) -> None:
    refugees = tag_id(store, "refugees")
    store.add_annotation(document.id, TEXT, 0, 3, tags=[refugees])
    store.undo()
    store.add_annotation(document.id, TEXT, 4, 8, tags=[refugees])
    assert store.redo() is None


def test_undo_takes_back_only_the_same_origin(db_path: Path, tmp_path: Path) -> None:
    tui = AnnotationStore(db_path, origin="tui")
    cli = AnnotationStore(db_path, origin="cli")
    doc = register(tui, tmp_path / "a.txt").document
    refugees = tag_id(tui, "refugees")
    from_tui = tui.add_annotation(doc.id, TEXT, 0, 3, tags=[refugees])
    from_cli = cli.add_annotation(doc.id, TEXT, 4, 8, tags=[refugees])
    assert tui.undo().origin == "tui"
    assert [a.id for a in cli.annotations()] == [from_cli.id]
    assert cli.undo().origin == "cli"
    assert tui.annotations() == []
    assert [step.origin for step in tui.history()] == ["tui", "cli"]
    assert from_tui.id != from_cli.id


def test_each_window_undoes_only_its_own_steps(db_path: Path, tmp_path: Path) -> None:
    first_window = AnnotationStore(db_path, origin=window_origin())
    second_window = AnnotationStore(db_path, origin=window_origin())
    assert first_window.origin != second_window.origin
    doc = register(first_window, tmp_path / "a.txt").document
    refugees = tag_id(first_window, "refugees")
    mine = first_window.add_annotation(doc.id, TEXT, 0, 3, tags=[refugees])
    theirs = second_window.add_annotation(doc.id, TEXT, 4, 8, tags=[refugees])

    assert first_window.undo().origin == first_window.origin
    assert [a.id for a in second_window.annotations()] == [theirs.id]
    assert first_window.undo() is None  # the other window's step is not this one's to undo
    assert first_window.redo() is not None
    assert {a.id for a in first_window.annotations()} == {mine.id, theirs.id}
    # Both are the TUI's steps to anything asking about origins as before.
    assert len(first_window.history(origin="tui")) == 2
    assert first_window.history(origin="cli") == []


def test_a_database_whose_steps_say_tui_opens_and_keeps_its_history(
    db_path: Path, tmp_path: Path
) -> None:
    old_tui = AnnotationStore(db_path, origin="tui")  # as windows recorded steps before
    doc = register(old_tui, tmp_path / "a.txt").document
    old = old_tui.add_annotation(doc.id, TEXT, 0, 3, tags=[tag_id(old_tui, "refugees")])

    window = AnnotationStore(db_path, origin=window_origin())

    assert [step.origin for step in window.history(origin="tui")] == ["tui"]
    assert window.undo() is None  # another session's step, not this window's
    assert [a.id for a in window.annotations()] == [old.id]


def journal_commits(db_path: Path) -> int:
    """How many steps the journal has committed since it last started (its change lines)."""
    lines = (db_path.with_name(db_path.name + ".d") / "journal").read_bytes().splitlines()
    return sum(1 for line in lines if b'"changes"' in line)


def test_undoing_many_steps_at_once_is_one_write(db_path: Path, store, document) -> None:
    refugees = tag_id(store, "refugees")
    for start in range(0, 30, 3):
        store.add_annotation(document.id, TEXT, start, start + 2, tags=[refugees])
    commits_before = journal_commits(db_path)

    steps, conflict = store.travel(undo=True, count=7)

    assert conflict is None
    assert [step.label for step in steps] == ["add annotation"] * 7
    assert len(store.annotations()) == 3
    assert journal_commits(db_path) == commits_before + 1
    steps, _ = store.travel(undo=True, count=100)  # stops when nothing is left
    assert len(steps) == 3 and store.annotations() == []
    steps, _ = store.travel(undo=False, count=4)
    assert len(steps) == 4 and len(store.annotations()) == 4


def test_undoing_many_steps_stops_at_a_conflict_and_keeps_what_it_undid(
    db_path: Path, tmp_path: Path
) -> None:
    tui = AnnotationStore(db_path, origin=window_origin())
    doc = register(tui, tmp_path / "a.txt").document
    refugees = tag_id(tui, "refugees")
    edited = tui.add_annotation(doc.id, TEXT, 0, 3, tags=[refugees])
    tui.add_annotation(doc.id, TEXT, 4, 8, tags=[refugees])
    tui.add_annotation(doc.id, TEXT, 9, 12, tags=[refugees])
    AnnotationStore(db_path, origin="cli").update_annotation(edited.id, memo="cli")

    steps, conflict = tui.travel(undo=True, count=3)

    assert len(steps) == 2 and isinstance(conflict, UndoConflictError)
    assert [a.id for a in AnnotationStore(db_path).annotations()] == [edited.id]


def test_undo_refuses_to_clobber_a_later_change(db_path: Path, tmp_path: Path) -> None:
    tui = AnnotationStore(db_path, origin="tui")
    cli = AnnotationStore(db_path, origin="cli")
    doc = register(tui, tmp_path / "a.txt").document
    annotation = tui.add_annotation(doc.id, TEXT, 0, 3, tags=[tag_id(tui, "refugees")])
    cli.update_annotation(annotation.id, memo="edited on the command line")
    with pytest.raises(UndoConflictError, match="changed since"):
        tui.undo()
    assert tui.get_annotation(annotation.id).memo == "edited on the command line"


def test_the_history_keeps_the_last_thousand_steps(store, document) -> None:
    refugees = tag_id(store, "refugees")
    with store.batch("seed"):
        annotation = store.add_annotation(document.id, TEXT, 0, 3, tags=[refugees])
    for number in range(HISTORY_LIMIT + 5):
        store.update_annotation(annotation.id, memo=f"memo {number}")
    steps = store.history()
    assert len(steps) == HISTORY_LIMIT
    assert steps[-1].label == "edit annotation"
    assert "seed" not in {step.label for step in steps}


def test_a_batch_is_one_step_and_one_write(store, document) -> None:
    refugees = tag_id(store, "refugees")
    with store.batch("import 3 rows"):
        for start in (0, 4, 9):
            store.add_annotation(document.id, TEXT, start, start + 3, tags=[refugees])
    assert [step.label for step in store.history()] == ["import 3 rows"]
    store.undo()
    assert store.annotations() == []


def test_a_failed_batch_changes_nothing(store, document) -> None:
    refugees = tag_id(store, "refugees")
    with pytest.raises(StoreError):
        with store.batch("import"):
            store.add_annotation(document.id, TEXT, 0, 3, tags=[refugees])
            store.add_annotation(document.id, TEXT, 5, 5, tags=[refugees])
    assert store.annotations() == []
    assert AnnotationStore(store.path).annotations() == []
    assert store.history() == []


# ---------------------------------------------------------------- documents


def test_document_identity(store: AnnotationStore, tmp_path: Path) -> None:
    original = tmp_path / "report.txt"
    original.write_text(TEXT)
    first = register(store, original)
    assert first.outcome == "new"
    assert register(store, original).outcome == "known"
    copy = tmp_path / "copy.txt"
    copy.write_text(TEXT)
    copied = register(store, copy)
    assert copied.outcome == "copied"
    assert copied.document.id == first.document.id
    assert store.document_by_path(copy).id == first.document.id
    moved = tmp_path / "moved.txt"
    original.rename(moved)
    relocated = register(store, moved)
    assert relocated.outcome == "moved"
    assert relocated.document.path == str(moved.resolve())
    assert len(store.documents()) == 1


def test_a_changed_document_keeps_every_annotation(store, tmp_path) -> None:
    path = tmp_path / "report.txt"
    doc = register(store, path).document
    refugees = tag_id(store, "refugees")
    stays = store.add_annotation(doc.id, TEXT, 0, 8, tags=[refugees])
    start = TEXT.index("Refugees")
    moves = store.add_annotation(doc.id, TEXT, start, start + 8, tags=[refugees])
    new_text = TEXT.replace("Refugees in Lebanon", "Many refugees in Lebanon")
    result = register(store, path, new_text, sha="sha-2")
    assert result.outcome == "changed"
    assert result.document.id == doc.id and result.document.version == 2
    assert result.needs_reanchor == (moves.id,)
    assert not store.get_annotation(stays.id).needs_reanchor
    kept = store.get_annotation(moves.id)
    assert kept.needs_reanchor and kept.quote == "Refugees"


def test_a_changed_document_carries_passages_to_where_their_quote_moved(store, tmp_path) -> None:
    path = tmp_path / "report.txt"
    doc = register(store, path).document
    refugees = tag_id(store, "refugees")
    start = TEXT.index("Refugees in Lebanon")
    moves = store.add_annotation(doc.id, TEXT, start, start + 19, tags=[refugees])
    new_text = "Statement, updated. " + TEXT
    result = register(store, path, new_text, sha="sha-2")
    assert result.needs_reanchor == ()
    kept = store.get_annotation(moves.id)
    assert not kept.needs_reanchor
    assert new_text[kept.start : kept.end] == kept.quote == "Refugees in Lebanon"
    assert kept.prefix == new_text[max(0, kept.start - len(kept.prefix)) : kept.start]


def test_find_document_by_id_path_title_and_name(store, document, tmp_path) -> None:
    assert store.find_document(document.id).id == document.id
    assert store.find_document(document.id[:8]).id == document.id
    assert store.find_document(str(tmp_path / "statement.txt")).id == document.id
    assert store.find_document("statement").id == document.id
    assert store.find_document("Statement").id == document.id
    with pytest.raises(StoreError, match="no document matches"):
        store.find_document("nothing")


def test_remove_and_relink_documents(store, document, tmp_path) -> None:
    store.add_annotation(document.id, TEXT, 0, 3, tags=[tag_id(store, "refugees")])
    relinked = store.relink_document(document.id, tmp_path / "elsewhere.txt")
    assert relinked.path == str((tmp_path / "elsewhere.txt").resolve())
    assert store.remove_document(document.id) == 1
    assert store.documents() == [] and store.annotations() == []
    store.undo()
    assert len(store.annotations()) == 1


# ---------------------------------------------------------------- the codebook


def test_tag_hierarchy_rename_hotkeys_merge_and_delete(store, document) -> None:
    lebanon = store.create_tag("refugees/Lebanon", description="in Lebanon")
    assert store.codebook().path(lebanon) == "refugees/Lebanon"
    with pytest.raises(CodebookError, match="already exists"):
        store.create_tag("refugees/lebanon")
    renamed = store.rename_tag(lebanon.id, "refugees/Lebanon camps")
    assert store.codebook().path(renamed) == "refugees/Lebanon camps"
    recoloured = store.update_tag(lebanon.id, colour="#123abc", hotkey=1)
    assert recoloured.hotkey == 1 and recoloured.colour == "#123abc"
    assert store.codebook().resolve("refugees").hotkey is None
    with pytest.raises(CodebookError):
        store.update_tag(tag_id(store, "refugees"), parent=lebanon.id)

    detainees = tag_id(store, "detainees")
    annotation = store.add_annotation(document.id, TEXT, 0, 3, tags=[lebanon.id, detainees])
    assert store.merge_tags(lebanon.id, detainees) == 1
    assert store.get_annotation(annotation.id).tags == (detainees,)
    assert store.delete_tag(detainees) == 1
    assert store.annotations() == []  # it had nothing else
    store.undo()
    store.undo()
    assert store.get_annotation(annotation.id).tags == (lebanon.id, detainees)


def in_tree(store: AnnotationStore, root: str) -> list[str]:
    """The paths of `root` and its descendants, sorted."""
    codebook = store.codebook()
    paths = (codebook.path(tag) for tag in codebook)
    return sorted(path for path in paths if path == root or path.startswith(root + "/"))


def test_merging_joins_children_of_the_same_name_all_the_way_down(store, document) -> None:
    tags, _ = store.ensure_tags(["a/x", "a/x/deep", "a/only-a", "b/X", "b/x/deep", "b/only-b"])
    by_path = {store.codebook().path(tag): tag.id for tag in tags}
    store.update_tag(by_path["a/x/deep"], hotkey=7)
    passages = {
        path: store.add_annotation(document.id, TEXT, n, n + 2, tags=[tag]).id
        for n, (path, tag) in enumerate(by_path.items())
    }
    steps_before = len(store.history())

    # Passages that now carry another tag: those of a/x and a/x/deep (a/only-a just moved).
    assert store.merge_tags(tag_id(store, "a"), tag_id(store, "b")) == 2

    codebook = store.codebook()
    assert in_tree(store, "a") == []
    assert in_tree(store, "b") == ["b", "b/X", "b/X/deep", "b/only-a", "b/only-b"]
    joined_x = codebook.resolve("b/x")
    assert {a.id for a in store.annotations(tag=joined_x.id)} == {
        passages["a/x"], passages["b/X"]
    }
    joined_deep = codebook.resolve("b/x/deep")
    assert {a.id for a in store.annotations(tag=joined_deep.id)} == {
        passages["a/x/deep"], passages["b/X/deep"]
    }
    assert joined_deep.hotkey == 7  # the merged tag's hotkey went with its passages
    assert len(store.history()) == steps_before + 1  # one step
    store.undo()
    assert in_tree(store, "a") + in_tree(store, "b") == sorted([*by_path, "a", "b"])
    assert store.get_annotation(passages["a/x"]).tags == (by_path["a/x"],)


def test_merging_a_tag_into_its_parent_keeps_its_children_whole(store, document) -> None:
    tags, _ = store.ensure_tags(["p/a", "p/a/a", "p/a/a/leaf"])
    paths = {store.codebook().path(tag): tag.id for tag in tags}
    leaf = store.add_annotation(document.id, TEXT, 0, 2, tags=[paths["p/a/a/leaf"]])

    store.merge_tags(paths["p/a"], tag_id(store, "p"))

    assert in_tree(store, "p") == ["p", "p/a", "p/a/leaf"]
    assert store.get_annotation(leaf.id).tags == (store.codebook().resolve("p/a/leaf").id,)


def test_ensure_tags_creates_only_what_is_missing(store) -> None:
    tags, created = store.ensure_tags(["refugees", "gender", "aid/cash"])
    assert [store.codebook().path(tag) for tag in tags] == ["refugees", "gender", "aid/cash"]
    assert sorted(store.codebook().path(tag) for tag in created) == ["aid", "aid/cash", "gender"]


def test_bad_tag_names_are_refused(store) -> None:
    for name in ("", "   ", "a//b", "bell\x07"):
        with pytest.raises(CodebookError):
            store.create_tag(name)


# ---------------------------------------------------------------- schema


def test_a_version_0_database_is_migrated(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_text(json.dumps({"tags": {}, "annotations": {}, "documents": {}}))
    store = AnnotationStore(db_path)
    assert json.loads(db_path.read_text())["meta"]["1"]["schema_version"] == 2
    assert store.annotations() == []


def test_a_newer_database_is_refused_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    content = json.dumps({"meta": {"1": {"schema_version": 99}}})
    db_path.write_text(content)
    with pytest.raises(NewerSchemaError, match="upgrade reader"):
        AnnotationStore(db_path)
    assert db_path.read_text() == content


def test_nan_is_never_written(store, document) -> None:
    with pytest.raises(ValueError):
        store.update_document(document.evolve(size=float("nan")))
    assert "NaN" not in store.path.read_text()
    assert store.get_document(document.id).size == document.size


def test_leftover_temporary_files_are_cleaned_at_start(db_path: Path) -> None:
    AnnotationStore(db_path)
    leftover = db_path.with_name(f".{db_path.name}.999-deadbeef.tmp")
    leftover.write_text('{"half": ')
    AnnotationStore(db_path)
    assert not leftover.exists()


def test_registering_a_known_file_fills_in_details_an_import_lacked(store, tmp_path) -> None:
    path = tmp_path / "report.txt"
    imported = register(store, path).document.evolve(size=0, encoding="unknown")
    store.update_document(imported)
    again = register(store, path)
    assert again.outcome == "known"
    assert (again.document.size, again.document.encoding) == (len(TEXT), "utf-8")
    assert store.get_document(imported.id).encoding == "utf-8"
