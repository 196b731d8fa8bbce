"""The read model exporters consume: an immutable view, streamed one document at a time."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest

from reader.core.store import AnnotationStore
from reader.interop.csv_format import export_csv

TEXT = "Refugees in Lebanon asked about return. Families of detainees met the envoy."


def corpus(db_path: Path, tmp_path: Path, count: int = 3) -> list[str]:
    store = AnnotationStore(db_path)
    tag = store.codebook().resolve("refugees").id
    documents = []
    for number in range(count):
        document = store.register_document(
            path=tmp_path / f"d{number}.txt", text=TEXT, title=f"doc {number}", size=len(TEXT),
            encoding="utf-8", sha256=f"sha-{number}",
        ).document
        store.add_annotation(document.id, TEXT, number, number + 8, tags=[tag], memo=f"m{number}")
        documents.append(document.id)
    return documents


def test_the_read_model_streams_each_document_with_its_passages(
    db_path: Path, tmp_path: Path
) -> None:
    documents = corpus(db_path, tmp_path)
    store = AnnotationStore(db_path)

    model = store.read_model()

    assert [d.title for d in model.documents] == ["doc 0", "doc 1", "doc 2"]
    assert model.codebook.resolve("refugees")
    streamed = [(group.document.id, [a.memo for a in group.passages]) for group in model.stream()]
    assert streamed == [(documents[n], [f"m{n}"]) for n in range(3)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.documents = ()  # type: ignore[misc]


def test_an_export_holds_one_documents_passages_at_a_time(db_path: Path, tmp_path: Path) -> None:
    corpus(db_path, tmp_path, count=5)
    store = AnnotationStore(db_path)
    out = io.StringIO()

    assert export_csv(store, out) == 5

    assert out.getvalue().count("\n") == 6
    # Read and let go: the store itself still holds only its catalogue.
    assert [key for key in store._files if key.startswith("passages/")] == []
