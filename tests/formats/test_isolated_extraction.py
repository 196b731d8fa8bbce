"""Extraction in a child process: a crash, a runaway or a cancel fails one document in one line."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from reader.formats.base import DocumentError, LoadedDocument, load_document
from reader.formats.cached import load_for_database
from reader.formats.isolated import (
    ExtractionCancelled,
    ExtractionFailed,
    ExtractionLimits,
    extract_isolated,
)
from reader.formats.progress import report

FIXTURES = Path(__file__).parent / "fixtures"
QUICK = ExtractionLimits(memory=1 << 30, cpu_seconds=2, wall_seconds=60)


# Extractors injected into the child (module-level: the child imports them by name).

def crashing_extractor(path: Path) -> LoadedDocument:
    os.kill(os.getpid(), signal.SIGSEGV)
    raise AssertionError("unreachable")


def spinning_extractor(path: Path) -> LoadedDocument:
    while True:
        pass


def greedy_extractor(path: Path) -> LoadedDocument:
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))


def slow_extractor(path: Path) -> LoadedDocument:
    for page in range(1000):
        report(page, 1000)
        time.sleep(0.05)
    raise AssertionError("should have been cancelled")


def buggy_extractor(path: Path) -> LoadedDocument:
    raise KeyError("/Kids")


@pytest.fixture
def report_docx(tmp_path: Path) -> Path:
    path = tmp_path / "report.docx"
    shutil.copy(FIXTURES / "report.docx", path)
    return path


def test_the_child_gives_what_the_loader_gives(report_docx: Path) -> None:
    assert extract_isolated(report_docx) == load_document(report_docx)


def test_a_crashing_extractor_is_one_line_and_the_caller_lives_on(report_docx: Path) -> None:
    with pytest.raises(ExtractionFailed) as caught:
        extract_isolated(report_docx, extract=crashing_extractor, limits=QUICK)
    assert str(caught.value) == f"{report_docx}: made the extractor crash (SIGSEGV)"


def test_a_runaway_extractor_is_stopped_by_its_cpu_limit(report_docx: Path) -> None:
    started = time.monotonic()
    with pytest.raises(ExtractionFailed, match="more than 2 s of processor time"):
        extract_isolated(report_docx, extract=spinning_extractor, limits=QUICK)
    assert time.monotonic() - started < 30


def test_an_extractor_that_hoards_memory_is_stopped_by_its_memory_limit(
    report_docx: Path,
) -> None:
    limits = ExtractionLimits(memory=512 << 20, cpu_seconds=20, wall_seconds=60)
    with pytest.raises(ExtractionFailed, match="more than 512 MB of memory"):
        extract_isolated(report_docx, extract=greedy_extractor, limits=limits)


def test_an_extractor_past_its_wall_clock_time_is_killed(report_docx: Path) -> None:
    limits = ExtractionLimits(memory=1 << 30, cpu_seconds=60, wall_seconds=1)
    with pytest.raises(ExtractionFailed, match="took longer than 1 s"):
        extract_isolated(report_docx, extract=slow_extractor, limits=limits)


def test_a_loader_bug_is_one_line(report_docx: Path) -> None:
    with pytest.raises(ExtractionFailed, match=r"unexpected KeyError while extracting: '/Kids'"):
        extract_isolated(report_docx, extract=buggy_extractor, limits=QUICK)


def test_the_loaders_own_refusal_comes_through_as_it_is(tmp_path: Path) -> None:
    fake = tmp_path / "statement.docx"
    fake.write_text("not a zip at all")
    with pytest.raises(DocumentError) as caught:
        extract_isolated(fake)
    assert str(caught.value) == str(pytest.raises(DocumentError, load_document, fake).value)


def test_a_cancel_stops_the_child_while_progress_comes_in(report_docx: Path) -> None:
    seen: list[tuple[int, int]] = []
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 3:
            cancel.set()

    started = time.monotonic()
    with pytest.raises(ExtractionCancelled):
        extract_isolated(report_docx, extract=slow_extractor, limits=QUICK,
                         cancelled=cancel.is_set, progress=progress)
    assert seen and seen[-1][1] == 1000
    assert time.monotonic() - started < 20  # not the 50 s the extractor would take


def test_a_pdf_reports_its_pages_as_it_reads_them(tmp_path: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))
    for number in range(30):
        page = writer.add_blank_page(612, 792)
        content = DecodedStreamObject()
        # Lines alike on every page but for a number would be a running header: letters.
        name = "".join(chr(97 + int(digit)) for digit in f"{number:02}")
        content.set_data(f"BT /F1 11 Tf 72 740 Td (Witness {name} spoke.) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    path = tmp_path / "long.pdf"
    with path.open("wb") as stream:
        writer.write(stream)
    seen: list[tuple[int, int]] = []
    document = load_for_database(path, tmp_path / "db.json", progress=lambda *p: seen.append(p))
    assert seen and all(total == 30 for _, total in seen)
    assert "Witness cj spoke." in document.text


def test_the_next_extraction_takes_the_spare_child_readied_after_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reader.formats import isolated

    path = FIXTURES / "report.docx"
    first = extract_isolated(path, limits=QUICK)
    spare = isolated._spare
    assert spare is not None and spare.receiver.poll(30)  # it says it is ready
    started: list[dict[str, bool]] = []
    start = isolated._start_child
    monkeypatch.setattr(isolated, "_start_child",
                        lambda **options: started.append(options) or start(**options))

    second = extract_isolated(path, limits=QUICK)

    assert second.text == first.text == load_document(path).text
    # Only the next spare was started: the ready one did the extraction.
    assert started == [{"spare": True}]
    assert spare.process.poll() is not None
    assert isolated._spare is not None and isolated._spare is not spare


def test_a_spare_still_importing_is_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.formats import isolated

    path = FIXTURES / "report.docx"
    extract_isolated(path, limits=QUICK)
    spare = isolated._spare
    assert spare is not None
    monkeypatch.setattr(isolated, "_said_ready", lambda receiver: False)
    started: list[dict[str, bool]] = []
    start = isolated._start_child
    monkeypatch.setattr(isolated, "_start_child",
                        lambda **options: started.append(options) or start(**options))

    assert extract_isolated(path, limits=QUICK).text == load_document(path).text
    assert started[0] == {}  # a child of its own, not the spare
    assert spare.process.poll() is not None  # the spare was let go


def test_a_spare_child_that_died_is_replaced_by_a_new_one() -> None:
    from reader.formats import isolated

    path = FIXTURES / "report.docx"
    extract_isolated(path, limits=QUICK)
    spare = isolated._spare
    assert spare is not None
    spare.process.kill()
    spare.process.wait()

    assert extract_isolated(path, limits=QUICK).text == load_document(path).text
