"""Pages and sections in the app: the status line at the cursor, the sidebar, the tag view and
the export dialog."""

from __future__ import annotations

import io
from pathlib import Path

from annotator_support import SIZE, db_file, ready, store_idle
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject
from support import until
from textual.widgets import OptionList

from reader.core.store import AnnotationStore
from reader.formats.cached import load_for_database
from reader.ui.app import ReaderApp
from reader.ui.screens.export_dialog import ExportDialog
from reader.ui.screens.tag_view import TagViewScreen
from reader.ui.widgets.annotation_sidebar import AnnotationSidebar

FIRST, SECOND = "Families waited at the border.", "Nobody answered them."


def preface_pdf(path: Path) -> Path:
    """Two pages printed "iv" and "v", with a bookmark "Waiting" on the first; its title
    "Preface to the report"."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))
    for line in ("Waiting", FIRST), (SECOND,):
        page = writer.add_blank_page(612, 792)
        content = DecodedStreamObject()
        shown = " ".join(f"({text}) Tj T*" for text in line)
        content.set_data(f"BT /F1 11 Tf 14 TL 72 740 Td {shown} ET".encode())
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    writer.set_page_label(0, 1, style="/r", start=4)
    writer.add_outline_item(title="Waiting", page_number=0)
    # A title of its own: a heading that is the title is not repeated as the section.
    writer.add_metadata({"/Title": "Preface to the report"})
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def coded_pdf(tmp_path: Path) -> Path:
    """The PDF, with the passage on its second page coded `refugees` (before the app opens)."""
    pdf = preface_pdf(tmp_path / "preface.pdf")
    db = db_file(tmp_path)
    db.parent.mkdir(parents=True, exist_ok=True)
    loaded = load_for_database(pdf, db)
    store = AnnotationStore(db, origin="cli")
    document = store.register_document(**loaded.registration()).document
    tags, _ = store.ensure_tags(["refugees"])
    start = loaded.text.index(SECOND)
    store.add_annotation(document.id, loaded.text, start, start + len(SECOND),
                         tags=[tags[0].id])
    return pdf


async def test_the_status_line_gives_page_and_section_at_the_cursor(tmp_path: Path) -> None:
    pdf = coded_pdf(tmp_path)
    app = ReaderApp([pdf], db_path=db_file(tmp_path), config_path=tmp_path / "none.toml")
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        text = pane.document.text
        assert pane.status_line.text("place") == "p. iv · Waiting"
        pane.view.move_cursor(text.index("Nobody"))
        await until(pilot, lambda: pane.status_line.text("place") == "p. v · Waiting")
        assert pane.document.extractor.startswith("pdf: pypdf ")


async def test_sidebar_tag_view_and_export_dialog_show_the_page(tmp_path: Path) -> None:
    pdf = coded_pdf(tmp_path)
    app = ReaderApp([pdf], db_path=db_file(tmp_path), config_path=tmp_path / "none.toml")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await store_idle(pilot)
        await app.main_screen.mount_review_widgets()
        sidebar = app.query_one(AnnotationSidebar)
        sidebar.reveal()
        options = sidebar.query_one(OptionList)
        await until(pilot, lambda: options.option_count > 0)
        assert str(options.get_option_at_index(0).prompt).startswith(f"p. v  {SECOND}")

        app.push_screen(TagViewScreen())
        await until(pilot, lambda: isinstance(app.screen, TagViewScreen) and app.screen.rows)
        (row,) = app.screen.rows
        assert row.page == "v"
        app.screen.dismiss()
        await until(pilot, lambda: not isinstance(app.screen, TagViewScreen))

        app.action_export()
        await until(pilot, lambda: isinstance(app.screen, ExportDialog)
                    and bool(app.screen.query("#export-document-list")))
        assert [title for _id, title in app.screen.documents] == [
            "Preface to the report (pp. iv\u2013v)"]
