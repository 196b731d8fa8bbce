"""Cell widths are the same whether or not Rich has its private width table (`load_cell_table`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import rich.cells
from rich.cells import get_character_cell_size

from reader.core import display
from reader.core.display import is_simple, printable

SAMPLE = (
    "aZ~ éñßø ΩЖש ا"  # one cell each
    "\u0301\u0651\u200b\u200c\u200e\u00ad"  # combining marks and invisibles: no cell
    "中文한국어ひらがな\u3000"  # wide
    "\u2e80\u2fff\u303f\u3099\u33ff"  # edges of the range the table covers
    "\x07\x1b\u009b\u202e\u2028"  # made printable: one cell
)


def forget_width_classes() -> None:
    for built_once in (display._narrow_ranges, display._not_common_narrow, display._not_narrow):
        built_once.cache_clear()


@pytest.fixture
def fresh_width_class() -> Iterator[None]:
    # The classes are built once per process: build them again for each path, and leave them
    # clean.
    forget_width_classes()
    yield
    forget_width_classes()


def narrow_ranges() -> tuple[tuple[int, int], ...]:
    forget_width_classes()
    return display._narrow_ranges()


def widths_by_is_simple() -> list[bool]:
    forget_width_classes()
    return [is_simple(printable(character)) for character in SAMPLE]


def test_the_table_and_the_fallback_give_the_same_widths(
    monkeypatch: pytest.MonkeyPatch, fresh_width_class: None
) -> None:
    assert hasattr(rich.cells, "load_cell_table"), "this Rich has no table: nothing to compare"
    with_table = narrow_ranges()
    simple_with_table = widths_by_is_simple()
    # A Rich without the private table, whose public function gives the same widths. (Rich's
    # own get_character_cell_size uses the table, so it is answered from widths taken before.)
    widths = {code: get_character_cell_size(chr(code)) for code in range(0x20, 0x3400)}
    monkeypatch.delattr(rich.cells, "load_cell_table")
    monkeypatch.setattr(display, "get_character_cell_size", lambda text: widths[ord(text)])
    assert narrow_ranges() == with_table
    assert widths_by_is_simple() == simple_with_table


def test_a_table_of_another_shape_falls_back(
    monkeypatch: pytest.MonkeyPatch, fresh_width_class: None
) -> None:
    with_table = narrow_ranges()
    widths = {code: get_character_cell_size(chr(code)) for code in range(0x20, 0x3400)}

    def changed_signature() -> None:  # a release where the private function takes no argument
        return None

    monkeypatch.setattr(rich.cells, "load_cell_table", changed_signature)
    monkeypatch.setattr(display, "get_character_cell_size", lambda text: widths[ord(text)])
    assert narrow_ranges() == with_table

