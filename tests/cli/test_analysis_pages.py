"""`reader search` and `reader report` cite the printed page of a hit or passage where the
document has pages (a PDF), and the line where it has none."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "interop"))
from test_csv_page_section import two_page_pdf  # noqa: E402


@pytest.fixture
def preface(tmp_path: Path) -> Path:
    path = tmp_path / "preface.pdf"
    path.write_bytes(two_page_pdf("Refugees in Lebanon wait.", "Detainees in Roumieh wait."))
    return path


def test_search_gives_the_printed_page_of_each_hit(run, preface: Path) -> None:
    status, _, err = run("add", str(preface), "--tag", "refugees", "--quote", "Refugees")
    assert status == 0, err

    status, out, err = run("search", "wait", "--format", "csv")

    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(row["match"], row["page"]) for row in rows] == [("wait", "iv"), ("wait", "v")]


def test_the_report_cites_pages(run, preface: Path) -> None:
    run("add", str(preface), "--tag", "detainees", "--quote", "Detainees in Roumieh")

    status, out, err = run("report", "--tag", "detainees")

    assert status == 0, err
    assert "p. v" in out
