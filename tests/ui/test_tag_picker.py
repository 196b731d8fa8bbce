"""The tag picker on its own: filtering, ticking, creating, cancelling, and what it returns."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Input, Static

from reader.core.codebook import PALETTE, Codebook, next_colour
from reader.core.models import Tag
from reader.paths import styles_dir
from reader.ui.screens.tag_picker import (
    CREATE_OPTION,
    ColourRow,
    NewTag,
    TagOptions,
    TagPicker,
    TagPickerResult,
)

UNSET: Any = object()

TAGS = [
    Tag("t1", "refugees", "#e69f00", hotkey=1),
    Tag("t2", "recovery funds", "#56b4e9", hotkey=2),
    Tag("t3", "detainees", "#009e73", hotkey=3),
    Tag("t4", "human rights", "#d55e00"),
    Tag("t5", "[bold]x[/]", "#cc79a7"),
    Tag("t6", "اللاجئون", "#0072b2"),
]


class PickerApp(App[None]):
    """Pushes one picker and keeps what it returns."""

    CSS_PATH = [styles_dir() / "dialogs.tcss"]

    def __init__(self, picker: TagPicker) -> None:
        super().__init__()
        self.picker = picker
        self.result: Any = UNSET

    def compose(self) -> ComposeResult:
        yield Static("behind")

    def on_mount(self) -> None:
        self.push_screen(self.picker, self._done)

    def _done(self, result: TagPickerResult | None) -> None:
        self.result = result


def make(tags: list[Tag] = TAGS, **options: Any) -> PickerApp:
    return PickerApp(TagPicker(Codebook(tags), **options))


def option_ids(app: PickerApp) -> list[str | None]:
    return [option.id for option in app.picker.query_one(TagOptions).options]


def highlighted(app: PickerApp) -> str | None:
    option = app.picker.query_one(TagOptions).highlighted_option
    return None if option is None else option.id


def shown_lines(app: PickerApp) -> list[str]:
    """The list's rows as drawn on screen."""
    option_list = app.picker.query_one(TagOptions)
    return [option_list.render_line(y).text for y in range(option_list.size.height)]


def message(app: PickerApp) -> str:
    label = app.picker.query_one("#tag-picker-message", Static)
    content = label.content
    return content.plain if isinstance(content, Content) else str(content)


async def test_every_tag_is_listed_in_path_order_with_hotkeys_and_counts() -> None:
    app = make(applied=frozenset({"t3"}), counts={"t1": 12, "t3": 4})
    async with app.run_test(size=(100, 30)):
        assert option_ids(app) == [f"tag:{tag.id}" for tag in Codebook(TAGS)]
        assert highlighted(app) == "tag:t5"
        refugees = next(line for line in shown_lines(app) if "refugees" in line)
        assert refugees.split()[-2:] == ["1", "12"]  # hotkey slot, uses
        detainees = next(line for line in shown_lines(app) if "detainees" in line)
        assert detainees.lstrip().startswith("✓")  # applied tags start ticked
        assert "██" in detainees  # the swatch, beside the name: colour is not the only cue


async def test_typing_filters_and_enter_applies_the_best_match() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r", "e", "f")
        assert option_ids(app) == ["tag:t1", "tag:t2", CREATE_OPTION]
        assert highlighted(app) == "tag:t1"
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == TagPickerResult(("t1",), ())


async def test_enter_adds_the_highlighted_tag_to_those_applied() -> None:
    app = make(applied=frozenset({"t3"}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hum", "enter")
        await pilot.pause()
    assert app.result == TagPickerResult(("t3", "t4"), ())


async def test_up_and_down_move_the_highlight_while_typing() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r", "e")
        # An equal prefix: ties keep codebook order.
        assert option_ids(app)[:2] == ["tag:t2", "tag:t1"]
        assert highlighted(app) == "tag:t2"
        await pilot.press("down")
        assert highlighted(app) == "tag:t1"
        await pilot.press("up")
        assert highlighted(app) == "tag:t2"
        assert app.picker.query_one(Input).value == "re"
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.result == TagPickerResult(("t1",), ())


async def test_ticking_two_tags_returns_both_in_the_order_ticked() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hum", "tab")
        assert app.picker.ticked == ("tag:t4",)
        await pilot.press("ctrl+u", *"det", "tab")
        assert app.picker.ticked == ("tag:t4", "tag:t3")
        await pilot.press("ctrl+u")  # the list shows every tag again, ticks kept
        ticked_lines = [line for line in shown_lines(app) if line.lstrip().startswith("✓")]
        assert len(ticked_lines) == 2
        await pilot.press("enter")  # the ticked set, not the highlighted tag
        await pilot.pause()
    assert app.result == TagPickerResult(("t4", "t3"), ())


async def test_unticking_an_applied_tag_removes_it() -> None:
    app = make(applied=frozenset({"t1", "t3"}))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.picker.ticked == ("tag:t3", "tag:t1")  # codebook order
        await pilot.press(*"det", "tab")
        assert app.picker.ticked == ("tag:t1",)
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == TagPickerResult(("t1",), ())


async def test_unticking_everything_returns_an_empty_set() -> None:
    app = make(applied=frozenset({"t1"}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"refugees", "tab", "enter")
        await pilot.pause()
    assert app.result == TagPickerResult((), ())


async def test_creating_a_child_tag_with_a_chosen_colour() -> None:
    app = make(applied=frozenset({"t3"}))
    async with app.run_test(size=(100, 30)) as pilot:
        for character in "refugees/Lebanon":
            await pilot.press(character)
        assert option_ids(app) == [CREATE_OPTION]
        assert highlighted(app) == CREATE_OPTION
        assert "Create “refugees/Lebanon”" in shown_lines(app)[0]
        assert "Lebanon under refugees" in shown_lines(app)[0]
        await pilot.press("enter")
        row = app.picker.query_one(ColourRow)
        assert app.picker.in_colour_mode and row.display
        # The first palette colour the codebook does not use yet.
        assert row.colour == PALETTE[6]
        await pilot.press("right")
        assert row.colour == PALETTE[7]
        await pilot.press("4")
        assert row.colour == PALETTE[3]
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == TagPickerResult(("t3",), (NewTag("refugees/Lebanon", PALETTE[3]),))


async def test_tab_on_create_makes_a_ticked_new_tag_and_stays_open() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"camps", "tab")
        assert app.picker.in_colour_mode
        await pilot.press("enter")
        assert not app.picker.in_colour_mode
        assert app.result is UNSET
        assert app.picker.query_one(Input).value == ""
        assert app.focused is app.picker.query_one(Input)
        assert highlighted(app) == "new:camps"
        await pilot.press(*"camps")  # now a known name: no second Create
        assert CREATE_OPTION not in option_ids(app)
        await pilot.press("ctrl+u", *"ref", "tab", "enter")
        await pilot.pause()
    assert app.result == TagPickerResult(("t1",), (NewTag("camps", PALETTE[6]),))


async def test_an_existing_name_offers_no_create_whatever_its_case() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"Detainees")
        assert CREATE_OPTION not in option_ids(app)
        assert option_ids(app)[0] == "tag:t3"


async def test_an_invalid_name_shows_why_and_never_closes() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a", "/", "/", "b")
        assert option_ids(app) == []
        assert message(app) == "a tag name cannot be empty"
        assert app.picker.query_one("#tag-picker-message").has_class("-error")
        await pilot.press("enter", "tab")
        await pilot.pause()
        assert app.result is UNSET
        assert message(app) == "a tag name cannot be empty"
        await pilot.press("backspace", "backspace", "backspace")  # "a": fine again
        assert message(app) == ""
        assert option_ids(app)[-1] == CREATE_OPTION


async def test_a_trailing_slash_asks_for_the_child_name_without_an_error() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"refugees/")
        assert "name after" in message(app)
        assert not app.picker.query_one("#tag-picker-message").has_class("-error")


async def test_escape_cancels() -> None:
    app = make(applied=frozenset({"t1"}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"det", "tab", "escape")
        await pilot.pause()
    assert app.result is None


async def test_escape_in_the_colour_row_goes_back_to_the_list() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"camps", "enter")
        assert app.picker.in_colour_mode
        await pilot.press("escape")
        assert not app.picker.in_colour_mode
        assert app.result is UNSET
        assert app.focused is app.picker.query_one(Input)
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


async def test_a_tag_name_with_markup_is_shown_literally() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"bold")
        assert option_ids(app)[0] == "tag:t5"
        assert "[bold]x[/]" in shown_lines(app)[0]


async def test_control_characters_in_a_name_are_shown_as_symbols() -> None:
    app = make([Tag("e", "bad\x1b]0;title\x07", "#e69f00")])
    async with app.run_test(size=(100, 30)):
        line = shown_lines(app)[0]
        assert "\x1b" not in line and "\x07" not in line
        assert "␛]0;title␇" in line


async def test_arabic_names_filter() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"لاجي")  # typed without the hamza
        assert option_ids(app)[0] == "tag:t6"
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == TagPickerResult(("t6",), ())


async def test_the_footer_shows_the_keys_from_the_bindings() -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        keys = {
            binding.id: key
            for key, active in app.screen.active_bindings.items()
            for binding in [active.binding]
            if binding.show
        }
        assert keys == {
            "tag-picker.apply": "enter",
            "tag-picker.tick": "tab",
            "tag-picker.cancel": "escape",
        }
        await pilot.press(*"camps", "enter")
        shown = {
            active.binding.id
            for active in app.screen.active_bindings.values()
            if active.binding.show
        }
        assert {"tag-picker.create", "tag-picker.back", "tag-picker.colour-previous"} <= shown
        assert "tag-picker.tick" not in shown


async def test_with_the_palette_used_up_a_new_tag_is_offered_a_colour_of_its_own() -> None:
    tags = [Tag(f"p{index}", f"tag {index}", colour) for index, colour in enumerate(PALETTE)]
    app = make(tags)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"camps", "enter")
        row = app.picker.query_one(ColourRow)
        assert app.picker.in_colour_mode
        fresh = next_colour(PALETTE)
        assert row.colour == fresh and fresh not in PALETTE
        assert fresh in row.render().plain
        await pilot.press("right")
        assert row.colour == PALETTE[0]
        await pilot.press("left", "enter")
        await pilot.pause()
    assert app.result == TagPickerResult((), (NewTag("camps", fresh),))
