"""Two deliberate screenshots of reviewing: the tag view across documents, the codebook screen."""

from __future__ import annotations

from pathlib import Path

from support import settle, until
from textual.pilot import Pilot

from reader.core.store import AnnotationStore
from reader.formats.base import load_document
from reader.ui.app import ReaderApp
from reader.ui.screens.codebook import CodebookScreen
from reader.ui.screens.tag_view import TagViewScreen

DOCS = Path(__file__).parent / "docs"


def make_database(db: Path) -> None:
    """Both sample documents, a nested tag and passages in each (colours are the palette's)."""
    store = AnnotationStore(db, origin="cli", annotator="tester")
    ids = {}
    texts = {}
    for name in ("field-notes.txt", "interview-7.txt"):
        loaded = load_document(DOCS / name)
        ids[name] = store.register_document(
            path=loaded.path, text=loaded.text, title=loaded.title, size=loaded.size,
            encoding=loaded.encoding, sha256=loaded.sha256, format=loaded.format,
        ).document.id
        texts[name] = loaded.text
    codebook = store.codebook()
    refugees = codebook.resolve("refugees").id
    aid = codebook.resolve("humanitarian aid").id
    fees = store.create_tag("refugees/fees", description="Paying for services while displaced").id

    def add(name: str, quote: str, tags: list[str], memo: str = "") -> None:
        start = texts[name].index(quote)
        store.add_annotation(ids[name], texts[name], start, start + len(quote), tags=tags,
                             memo=memo)

    add("field-notes.txt", "families displaced from the north cannot pay", [fees])
    add("field-notes.txt", "exempt them until the harvest", [refugees], "A decision")
    add("field-notes.txt", "the secretary will visit the displaced families", [refugees])
    add("interview-7.txt", "The district sends a list. We are not asked.", [aid, refugees])
    add("interview-7.txt", "Families carry patients on motorbikes", [aid])


def make_app(tmp_path: Path) -> ReaderApp:
    db = tmp_path / "db" / "annotations.json"
    make_database(db)
    app = ReaderApp([DOCS / "field-notes.txt"], db_path=db, config_path=tmp_path / "none.toml")
    app.theme = "textual-dark"
    return app


def test_tag_view_across_documents(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        app = pilot.app
        await settle(app, pilot)
        await until(pilot, lambda: len(app.coding_controller.snapshot.codebook) > 8)  # type: ignore[attr-defined]
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, TagViewScreen) and app.screen.rows)
        # From the first tag with passages (humanitarian aid) down to refugees, which has
        # refugees/fees nested in it: passages in both documents.
        await pilot.press("down", "down", "down", "down")
        await until(pilot, lambda: len(app.screen.rows) == 4)  # type: ignore[attr-defined]
        await pilot.press("enter", "down")
        passages = app.screen.query_one("#tag-view-passages")
        await until(pilot, lambda: app.focused is passages and passages.cursor_row == 1)  # type: ignore[attr-defined]
        await settle(app, pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=(120, 24), run_before=run_before)


def test_codebook_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        app = pilot.app
        await settle(app, pilot)
        await until(pilot, lambda: len(app.coding_controller.snapshot.codebook) > 8)  # type: ignore[attr-defined]
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, CodebookScreen) and app.screen.entries)
        await pilot.press("down", "down")
        await settle(app, pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=(120, 24), run_before=run_before)
