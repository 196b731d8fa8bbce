"""The annotator on a database with a damaged record: told, recovered, and still coding."""

from __future__ import annotations

import json
from pathlib import Path

from annotator_support import (
    LEBANON_SENTENCE,
    REPORT,
    SIZE,
    db_file,
    make_app,
    ready,
    store_idle,
    stored,
    tag_id,
    write_documents,
)

from reader.core.store import passages_path_for


async def test_a_record_of_the_wrong_type_is_recovered_and_coding_goes_on(tmp_path: Path) -> None:
    report = write_documents(tmp_path / "docs")[0]
    store = stored(tmp_path)
    refugees = tag_id(tmp_path, "refugees")
    document = store.register_document(
        path=report, text=REPORT, title="Report", size=len(REPORT), encoding="utf-8",
        sha256="old",
    ).document
    store.add_annotation(document.id, REPORT, 0, 6, tags=[refugees], memo="kept")
    store.add_annotation(document.id, REPORT, 7, 9, tags=[refugees], memo="damaged")
    passages = passages_path_for(db_file(tmp_path), document.id)
    data = json.loads(passages.read_text())
    data["annotations"]["2"]["tags"] = 5
    passages.write_text(json.dumps(data))

    app = make_app(tmp_path, [report])
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        assert any("holds a damaged record" in n.message for n in app._notifications)
        start = REPORT.index(LEBANON_SENTENCE)
        pane.view.select(start, start + len(LEBANON_SENTENCE))
        await pilot.press("1")  # the store is alive: the tag is saved
        await store_idle(pilot)
        assert pane.status_line.text("saved") == "saved"
    memos = sorted(a.memo for a in stored(tmp_path).annotations())
    assert memos == ["", "damaged", "kept"]  # the journal gave the damaged record back
