"""The guard is exactly reversible and leaves no cell a spreadsheet would run or convert."""

from __future__ import annotations

import csv
import io
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.interop.csv_format import (
    _GUARD_CANDIDATE,
    _PLAIN_WHOLE_NUMBER,
    COLUMNS,
    _CsvWriter,
    _spreadsheet_would_convert,
    _tags_cell_pieces,
    guard_cell,
    tags_cell,
    unguard_cell,
)

TRIGGERS = {"=", "+", "-", "@", "\t", "\r"}
# Text heavy in what matters here (quotes, triggers, line breaks, separators), plus anything.
tricky = st.text(alphabet=st.sampled_from("'=+-@\t\r\n\",; aع")) | st.text()
numberish = st.text(alphabet=st.sampled_from("'0123 .,:/-+eE%$()apmJanSept")) | tricky


@pytest.mark.parametrize(
    ("raw", "guarded"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("-", "'-"),
        ("+44", "'+44"),
        ("@channel", "'@channel"),
        ("\tindented", "'\tindented"),
        ("\rcr", "'\rcr"),
        ("\nlf", "'\nlf"),
        ("'=x", "''=x"),
        ("'''-x", "''''-x"),
        ("'quoted", "'quoted"),
        ("'", "'"),
        ("", ""),
        ("a=b", "a=b"),
        (" =x", " =x"),
        ("عودة", "عودة"),
        # What a spreadsheet would convert to a number, date, time or truth value.
        ("0123", "'0123"),
        ("1e5", "'1e5"),
        ("1E-3", "'1E-3"),
        ("1/2", "'1/2"),
        ("1-2", "'1-2"),
        ("1.50", "'1.50"),
        ("1,5", "'1,5"),
        (" 12", "' 12"),
        ("12 ", "'12 "),
        ("12%", "'12%"),
        ("$5", "'$5"),
        ("(5)", "'(5)"),
        ("3:04", "'3:04"),
        ("3:04 pm", "'3:04 pm"),
        ("2026-01-02", "'2026-01-02"),
        ("12345678901234567", "'12345678901234567"),
        ("true", "'true"),
        ("FALSE", "'FALSE"),
        ("2 Jan", "'2 Jan"),
        ("SEPT2", "'SEPT2"),
        ("March 2026", "'March 2026"),
        ("'0123", "''0123"),
        # ... and what it keeps as it is.
        ("37", "37"),
        ("0", "0"),
        ("123456789012345", "123456789012345"),
        ("'5", "'5"),
        ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z"),
        ("b15bffc52fe3ee23", "b15bffc52fe3ee23"),
        ("0x10", "0x10"),
        ("May", "May"),
        ("truth", "truth"),
        ("page 12", "page 12"),
    ],
)
def test_guard_examples(raw: str, guarded: str) -> None:
    assert guard_cell(raw) == guarded
    assert unguard_cell(guarded) == raw


@pytest.mark.parametrize(
    "value",
    ["1" * 200_000 + "x", " " * 200_000 + "x", "1 " * 100_000 + "pmx", "jan" + "1" * 200_000,
     "1" + " " * 200_000 + "am x"],
)
def test_the_guard_takes_linear_time_on_long_cells(value: str) -> None:
    # Backtracking patterns took minutes on cells like these; linear ones take milliseconds.
    started = time.perf_counter()
    assert guard_cell(value) == value
    assert time.perf_counter() - started < 5


@given(tricky)
def test_unguard_reverses_guard(value: str) -> None:
    assert unguard_cell(guard_cell(value)) == value


@given(tricky)
def test_a_guarded_cell_never_starts_a_formula(value: str) -> None:
    assert guard_cell(value)[:1] not in TRIGGERS


@given(numberish)
def test_the_guard_changes_only_cells_that_need_it(value: str) -> None:
    bare = value.lstrip("'")
    converted = _spreadsheet_would_convert(bare) and not _PLAIN_WHOLE_NUMBER.fullmatch(bare)
    needs = bare[:1] in TRIGGERS | {"\n"} or converted
    assert guard_cell(value) == ("'" + value if needs else value)


@given(numberish)
def test_unguard_reverses_guard_on_number_like_text(value: str) -> None:
    assert unguard_cell(guard_cell(value)) == value


@given(st.lists(st.lists(tricky, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=4),
       st.booleans(), st.booleans())
def test_written_rows_read_back_exactly(rows: list[list[str]], excel: bool, guard: bool) -> None:
    writer = _CsvWriter(excel=excel, formula_guard=guard)
    text = writer.header() + writer.text(rows)
    if excel:
        assert text.startswith("\ufeff")
        text = text[1:]
    read = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    assert read[0] == list(COLUMNS)
    if guard:
        read = [[unguard_cell(cell) for cell in row] for row in read]
    assert read[1:] == rows


@given(st.lists(st.lists(tricky, min_size=1, max_size=3), max_size=4), st.booleans())
def test_rows_are_written_as_the_csv_module_writes_them_and_read_back(
    rows: list[list[str]], excel: bool
) -> None:
    terminator = "\r\n" if excel else "\n"
    text = _CsvWriter(excel=excel, formula_guard=False).text(rows)
    assert list(csv.reader(io.StringIO(text, newline=""), strict=True)) == rows
    if excel or not any("\r" in cell for row in rows for cell in row):
        # Only a lone CR under LF line ends differs: the csv module leaves it unquoted.
        written = io.StringIO(newline="")
        csv.writer(written, lineterminator=terminator).writerows(rows)
        assert text == written.getvalue()


name = st.text(alphabet=st.sampled_from("ab;\\/ "), min_size=1).map(str.strip).filter(bool)


@given(st.lists(name, max_size=5))
def test_a_tags_cell_splits_back_into_its_names(names: list[str]) -> None:
    pieces, _ = _tags_cell_pieces(tags_cell(names))
    assert [piece.strip() for piece in pieces if piece.strip()] == names


@pytest.mark.parametrize(
    ("names", "cell"),
    [
        (["a", "b"], "a; b"),
        (["a; b"], "a\\; b"),
        (["C:\\x"], "C:\\x"),  # a backslash that cannot read as an escape stays single
        (["end\\", "b"], "end\\\\; b"),
        (["a\\;b"], "a\\\\\\;b"),
    ],
)
def test_tags_cell_examples(names: list[str], cell: str) -> None:
    assert tags_cell(names) == cell
    pieces, _ = _tags_cell_pieces(cell)
    assert [piece.strip() for piece in pieces] == names


# Values the quick check must let through to the exact one: number-like text with times of day,
# dates with month names, truth values, and their neighbours.
convertible_looking = st.text(
    alphabet=st.sampled_from("0123 \t\n.,:/'’()%$€£¥+-eEaApPmM.JanMarSeptmayTRUEtrueKſ")
) | numberish


@pytest.mark.parametrize("value", ["1 pm", "3:04 p.m. ", "3 p.m.", " 12", "1e5", "1e5 pm",
                                   "Sept.2026", "Jan 2", "SEPT2",
                                   "12 March", "  TRUE ", "vrai", "50%", "(1,000)", "€5",
                                   "=SUM(A1) of it", "'=x", "\nline break"])
def test_cells_the_guard_changes_are_candidates(value: str) -> None:
    assert guard_cell(value) != value
    assert _GUARD_CANDIDATE.match(value)


@pytest.mark.parametrize("value", ["The delegation met", "refugees in Lebanon", "Roumieh prison",
                                   "a b", "5f00f75f-4b87-460c-8081-54667d2ce19c", "Mr. Smith"])
def test_prose_is_no_candidate(value: str) -> None:
    assert not _GUARD_CANDIDATE.match(value)


@given(convertible_looking | tricky)
def test_every_cell_the_guard_changes_is_a_candidate(value: str) -> None:
    # The export guards only the cells this pattern picks out.
    if guard_cell(value) != value:
        assert _GUARD_CANDIDATE.match(value)
