"""The analysis screen, the corpus search and the auto-coding review, driven with Pilot."""

from __future__ import annotations

from pathlib import Path

from support import until
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from reader.core.store import AnnotationStore
from reader.formats.base import load_document
from reader.ui.app import ReaderApp
from reader.ui.commands import available_commands
from reader.ui.screens.analysis import AnalysisScreen
from reader.ui.screens.corpus_search import CorpusSearchScreen, QueryInput
from reader.ui.screens.tag_picker import NewTag, TagPicker, TagPickerResult
from reader.ui.widgets.document_view import DocumentView

SIZE = (120, 36)
REPORT = ("Report\n\nRefugees in Lebanon fear arrest in Roumieh.\n\n"
          "Donors pledged money for recovery. Roumieh was not mentioned.\n")
NOTES = "Notes\n\nAid convoys were stopped near Roumieh twice.\n\nReturnees found houses.\n"


def prepare(tmp_path: Path) -> tuple[ReaderApp, Path, dict[str, str]]:
    """Two documents with passages (one parent tag, one nested); the app opens the report."""
    folder = tmp_path / "docs"
    folder.mkdir()
    db = tmp_path / "db" / "annotations.json"
    store = AnnotationStore(db, origin="cli", annotator="tester")
    ids = {}
    paths = []
    for name, text in (("report.txt", REPORT), ("notes.txt", NOTES)):
        path = folder / name
        path.write_text(text, "utf-8")
        paths.append(path)
        loaded = load_document(path)
        ids[name] = store.register_document(
            path=loaded.path, text=loaded.text, title=loaded.title, size=loaded.size,
            encoding=loaded.encoding, sha256=loaded.sha256, format=loaded.format,
        ).document.id
    ids["refugees"] = store.codebook().resolve("refugees").id
    ids["prison"] = store.create_tag("place/prison").id
    ids["place"] = store.codebook().resolve("place").id
    for name, text, quote, tags in (
        ("report.txt", REPORT, "Refugees in Lebanon fear arrest", [ids["refugees"]]),
        ("report.txt", REPORT, "arrest in Roumieh", [ids["prison"]]),
        ("notes.txt", NOTES, "stopped near Roumieh", [ids["prison"]]),
    ):
        start = text.index(quote)
        store.add_annotation(ids[name], text, start, start + len(quote), tags=tags)
    app = ReaderApp(paths[:1], db_path=db, config_path=tmp_path / "none.toml")
    return app, db, ids


async def open_screen(pilot, app: ReaderApp, key: str, kind: type) -> object:
    await app.workers.wait_for_complete()
    await until(pilot, lambda: app.workspace.document_count == 1)
    await until(pilot, lambda: app.annotation_service is not None
                and app.annotation_service.snapshot.revision > 0)
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, kind))
    return app.screen


async def test_the_analysis_screen_shows_the_matrix_and_opens_a_cells_passage(
    tmp_path: Path,
) -> None:
    app, _db, ids = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "A", AnalysisScreen)
        assert isinstance(screen, AnalysisScreen)
        await until(pilot, lambda: screen.analysis is not None and screen.filled)
        assert screen.analysis is not None
        matrix = screen.analysis.matrix
        table = screen.query_one("#analysis-counts", DataTable)
        assert table.row_count == 2
        # Column order is the codebook's; `place` rolls up its child's passages.
        place = matrix.tags.index(next(t for t in matrix.tags if t.id == ids["place"])) + 1
        report_row = next(i for i, row in enumerate(matrix.rows) if row.key == ids["report.txt"])
        cell = table.get_cell_at(Coordinate(report_row, place))
        assert cell.plain.endswith(" 1") and "█" in cell.plain
        table.cursor_coordinate = Coordinate(report_row, place)
        await pilot.press("enter")
        await until(pilot, lambda: [p.quote for p in screen.passages] == ["arrest in Roumieh"])
        passages = screen.query_one("#analysis-passages", DataTable)
        await until(pilot, lambda: app.focused is passages)
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, AnalysisScreen))
        view = app.workspace.active_document.view  # type: ignore[union-attr]
        await until(pilot, lambda: isinstance(app.focused, DocumentView)
                    and view.selection == (REPORT.index("arrest in"),
                                                 REPORT.index("arrest in") + 17))


async def test_the_cooccurrence_and_frequency_tabs(tmp_path: Path) -> None:
    app, _db, ids = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "f5", AnalysisScreen)
        assert isinstance(screen, AnalysisScreen)
        await until(pilot, lambda: screen.analysis is not None
                    and screen.analysis.pairs is not None)
        assert screen.analysis is not None and screen.analysis.pairs is not None
        pairs = screen.analysis.pairs
        # "Refugees in Lebanon fear arrest" overlaps "arrest in Roumieh" (place/prison).
        assert pairs.count(ids["refugees"], ids["prison"]) == 1
        assert pairs.count(ids["place"], ids["place"]) == 2
        await pilot.press("c")
        table = screen.query_one("#analysis-counts", DataTable)
        await until(pilot, lambda: screen.view == "cooccurrence" and screen.filled)
        assert app.focused is table
        # The tag names down the side, a number (no bar) on the diagonal.
        place = [t.id for t in pairs.tags].index(ids["place"])
        assert table.get_cell_at(Coordinate(place, 0)).plain == "place"
        assert table.get_cell_at(Coordinate(place, place + 1)).plain.strip() == "2"
        row = [t.id for t in pairs.tags].index(ids["refugees"])
        column = [t.id for t in pairs.tags].index(ids["prison"]) + 1
        table.cursor_coordinate = Coordinate(row, column)
        await pilot.press("enter")
        await until(pilot, lambda: sorted(p.quote for p in screen.passages) == [
            "Refugees in Lebanon fear arrest", "arrest in Roumieh"])
        await pilot.press("f")
        await until(pilot, lambda: screen.view == "frequencies" and screen.filled)
        table.move_cursor(row=[t.id for t in pairs.tags].index(ids["place"]))
        assert "████" in table.get_cell_at(Coordinate(table.cursor_row, 1)).plain
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.passages) == 2)
        await pilot.press("escape")  # (the passages list has the keyboard: escape closes)
        await until(pilot, lambda: not isinstance(app.screen, AnalysisScreen))


async def test_corpus_search_lists_hits_as_you_type_and_enter_opens_one(tmp_path: Path) -> None:
    app, _db, ids = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "F", CorpusSearchScreen)
        assert isinstance(screen, CorpusSearchScreen)
        await until(pilot, lambda: isinstance(app.focused, QueryInput))
        await pilot.press(*"roum")
        await until(pilot, lambda: not screen.searching and len(screen.hits) == 3)
        assert [(hit.document.title, hit.line) for hit in screen.hits] == [
            ("Notes", 3), ("Report", 3), ("Report", 5)]
        await pilot.press("i", "e", "h", "X")
        await until(pilot, lambda: not screen.searching and screen.hits == ())
        await pilot.press("backspace")
        await until(pilot, lambda: not screen.searching and len(screen.hits) == 3)
        await pilot.press("ctrl+r")  # a regular expression now
        await pilot.press("backspace", *"h\\b")
        await until(pilot, lambda: not screen.searching and len(screen.hits) == 3)
        await pilot.press("(")
        await until(pilot, lambda: "invalid regular expression" in str(
            screen.query_one("#corpus-status").render()))
        await pilot.press("backspace", "enter")
        await until(pilot, lambda: len(screen.hits) == 3
                    and app.focused is screen.query_one("#corpus-hits"))
        await pilot.press("down", "enter")  # the report's first hit
        await until(pilot, lambda: not isinstance(app.screen, CorpusSearchScreen))
        start = REPORT.index("Roumieh")
        view = app.workspace.active_document.view  # type: ignore[union-attr]
        await until(pilot, lambda: view.selection == (start, start + 7))


async def test_auto_coding_review_accepts_rejects_and_undoes_as_one_step(tmp_path: Path) -> None:
    app, db, ids = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "F", CorpusSearchScreen)
        assert isinstance(screen, CorpusSearchScreen)
        await pilot.press(*"roumieh")
        await until(pilot, lambda: not screen.searching and len(screen.hits) == 3)
        await pilot.press("ctrl+g")  # code whole sentences
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, TagPicker))
        await pilot.press(*"refugees", "enter")  # typed to filter the codebook, as anywhere
        await until(pilot, lambda: screen.review is not None)
        review = screen.review
        assert review is not None
        # The report's first Roumieh lies inside a `refugees` passage?  No: the passage ends at
        # "arrest"; so all three hits are proposed, each as its sentence.
        assert [c.quote for c in review.candidates] == [
            "Aid convoys were stopped near Roumieh twice.",
            "Refugees in Lebanon fear arrest in Roumieh.",
            "Roumieh was not mentioned.",
        ]
        before = len(AnnotationStore(db).annotations())
        await pilot.press("y", "n")
        assert review.decisions == ["accepted", "rejected", None]
        assert len(AnnotationStore(db).annotations()) == before  # nothing written yet
        await pilot.press("a")
        await until(pilot, lambda: screen.review is None)
        await until(pilot, lambda: len(AnnotationStore(db).annotations()) == before + 2)
        coded = sorted(a.quote for a in AnnotationStore(db).annotations(tag=ids["refugees"]))
        assert "Aid convoys were stopped near Roumieh twice." in coded
        assert "Roumieh was not mentioned." in coded
        assert "Refugees in Lebanon fear arrest in Roumieh." not in coded
        # One undo takes back the whole run.
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CorpusSearchScreen))
        await pilot.press("u")
        await until(pilot, lambda: len(AnnotationStore(db).annotations()) == before)
        assert AnnotationStore(db).history()[-1].label.startswith("auto-code 2 passages")


async def test_auto_coding_with_a_new_tag_makes_it_with_the_passages_in_one_step(
    tmp_path: Path,
) -> None:
    app, db, _ids = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "F", CorpusSearchScreen)
        assert isinstance(screen, CorpusSearchScreen)
        await pilot.press(*"roumieh")
        await until(pilot, lambda: not screen.searching and len(screen.hits) == 3)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, TagPicker))
        app.screen.dismiss(TagPickerResult((), (NewTag("place/Roumieh", "#d08770"),)))
        await until(pilot, lambda: screen.review is not None)
        review = screen.review
        assert review is not None and len(review.candidates) == 3  # a new tag covers nothing
        assert "Roumieh" not in {t.name for t in AnnotationStore(db).codebook()}
        await pilot.press("a")

        def coded_with_the_new_tag() -> int:
            store = AnnotationStore(db)
            tag = store.codebook().find("place/Roumieh")
            return 0 if tag is None else len(store.annotations(tag=tag.id))

        await until(pilot, lambda: coded_with_the_new_tag() == 3)
        # The tag and its passages are one step: one undo takes both back.
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CorpusSearchScreen))
        await pilot.press("u")
        await until(pilot, lambda: AnnotationStore(db).codebook().find("place/Roumieh") is None)


async def test_stopping_a_review_writes_nothing(tmp_path: Path) -> None:
    app, db, ids = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "F", CorpusSearchScreen)
        assert isinstance(screen, CorpusSearchScreen)
        await pilot.press(*"roumieh")
        await until(pilot, lambda: not screen.searching and len(screen.hits) == 3)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, TagPicker))
        app.screen.dismiss(TagPickerResult((ids["prison"],)))
        # Two hits lie inside `place/prison` passages already: one is left to review.
        await until(pilot, lambda: screen.review is not None)
        assert [c.quote for c in screen.review.candidates] == ["Roumieh"]  # type: ignore[union-attr]
        before = len(AnnotationStore(db).annotations())
        await pilot.press("escape")
        await until(pilot, lambda: screen.review is None and len(screen.hits) == 3)
        assert isinstance(app.screen, CorpusSearchScreen)
        assert len(AnnotationStore(db).annotations()) == before


async def test_the_new_screens_are_in_the_palette(tmp_path: Path) -> None:
    app, _db, _ids = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.workspace.document_count == 1)
        actions = [command.action for command in available_commands(app)]
        assert "screen.analysis" in actions and "screen.corpus_search" in actions


async def test_the_codebook_bar_and_screen_count_a_parent_with_its_childrens_passages(
    tmp_path: Path, capsys
) -> None:
    from reader.cli import main
    from reader.ui.screens.codebook import CodebookScreen
    from reader.ui.widgets.codebook_bar import CodebookBar

    app, db, ids = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, app, "C", CodebookScreen)
        screen = app.screen
        assert isinstance(screen, CodebookScreen)
        await until(pilot, lambda: bool(screen.entries))
        shown = {entry.tag.id: entry.count for entry in screen.entries}
        # `place` has no passage of its own; its child `place/prison` has two.
        assert (shown[ids["place"]], shown[ids["prison"]]) == (2, 2)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        await app.main_screen.mount_review_widgets()
        bar = app.main_screen.query_one(CodebookBar)
        await until(pilot, lambda: "place 2" in str(bar.render()))
        # Coding in the open document: the parent's count follows (no full re-read needed).
        service = app.annotation_service
        assert service is not None
        start = REPORT.index("Donors")
        service.submit(lambda store: store.add_annotation(
            ids["report.txt"], REPORT, start, start + 6, tags=[ids["prison"], ids["place"]]),
            label="add")
        await until(pilot, lambda: "place 3" in str(bar.render()))
        assert service.snapshot.rolled_counts[ids["prison"]] == 3
        assert service._roll_ups.full_reads == 1
    assert main(["--db", str(db), "tags"]) == 0
    rows = {line.split("\t")[1]: line.split("\t")[3]
            for line in capsys.readouterr().out.splitlines()[1:]}
    assert (rows["place"], rows["place/prison"]) == ("3", "3")


async def test_the_tag_view_shows_each_passage_in_full_with_its_memo(tmp_path: Path) -> None:
    from reader.ui.screens.tag_view import TagViewScreen

    app, db, ids = prepare(tmp_path)
    store = AnnotationStore(db, origin="cli", annotator="tester")
    long_text = REPORT.replace("Donors pledged money for recovery.",
                               "Donors pledged money for recovery. " * 6)
    Path(store.get_document(ids["report.txt"]).path).write_text(long_text, "utf-8")
    start = long_text.index("Donors")
    end = long_text.index("Roumieh was") - 1
    store.add_annotation(ids["report.txt"], long_text, start, end, tags=[ids["refugees"]],
                         memo="repeated six times")
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, app, "T", TagViewScreen)
        screen = app.screen
        assert isinstance(screen, TagViewScreen)
        screen.tag_id = ids["refugees"]
        screen.load(ids["refugees"])
        await until(pilot, lambda: any(r.annotation.memo for r in screen.rows))
        table = screen.query_one("#tag-view-passages", DataTable)
        row = next(i for i, r in enumerate(screen.rows) if r.annotation.memo)
        cell = table.get_cell_at(Coordinate(row, 1))
        # The whole passage (210 characters), not one line cut with an ellipsis, and the memo.
        assert " ".join(cell.plain.split()).startswith(" ".join(long_text[start:end].split()))
        assert cell.plain.endswith("Memo: repeated six times")
        assert table.ordered_rows[row].height >= 4
