"""The formula guard is exactly reversible and leaves no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.interop.csv_format import COLUMNS, _format_csv, guard_cell, unguard_cell

TRIGGERS = {"=", "+", "-", "@", "\t", "\r"}
# Text heavy in what matters here (quotes, triggers, line breaks, separators), plus anything.
tricky = st.text(alphabet=st.sampled_from("'=+-@\t\r\n\",; aع")) | st.text()


@pytest.mark.parametrize(
    ("raw", "guarded"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("-", "'-"),
        ("+44", "'+44"),
        ("@channel", "'@channel"),
        ("\tindented", "'\tindented"),
        ("\rcr", "'\rcr"),
        ("'=x", "''=x"),
        ("'''-x", "''''-x"),
        ("'quoted", "'quoted"),
        ("'", "'"),
        ("", ""),
        ("a=b", "a=b"),
        (" =x", " =x"),
        ("عودة", "عودة"),
    ],
)
def test_guard_examples(raw: str, guarded: str) -> None:
    assert guard_cell(raw) == guarded
    assert unguard_cell(guarded) == raw


@given(tricky)
def test_unguard_reverses_guard(value: str) -> None:
    assert unguard_cell(guard_cell(value)) == value


@given(tricky)
def test_a_guarded_cell_never_starts_a_formula(value: str) -> None:
    assert guard_cell(value)[:1] not in TRIGGERS


@given(tricky)
def test_the_guard_changes_only_cells_that_need_it(value: str) -> None:
    needs = value.lstrip("'")[:1] in TRIGGERS
    assert guard_cell(value) == ("'" + value if needs else value)


@given(st.lists(st.lists(tricky, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=4),
       st.booleans(), st.booleans())
def test_written_rows_read_back_exactly(rows: list[list[str]], excel: bool, guard: bool) -> None:
    text = _format_csv(rows, excel=excel, formula_guard=guard)
    if excel:
        assert text.startswith("\ufeff")
        text = text[1:]
    read = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    assert read[0] == list(COLUMNS)
    if guard:
        read = [[unguard_cell(cell) for cell in row] for row in read]
    assert read[1:] == rows
