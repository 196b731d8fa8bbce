"""The config examples users copy (the `Settings` docstring, the README) name real binding ids."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from reader.config import Settings
from reader.ui.keymap import bad_key_specs, declared_bindings, reader_binding_classes

ROOT = Path(__file__).resolve().parents[2]
TOML_BLOCK = re.compile(r"```toml\n(.*?)```", re.DOTALL)


def example_keymaps(text: str) -> list[dict[str, str]]:
    """The `[keys]` table of each TOML block in `text` (indented blocks are dedented)."""
    keymaps = []
    for block in TOML_BLOCK.findall(text):
        lines = block.splitlines()
        indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
        data = tomllib.loads("\n".join(line[indent:] for line in lines))
        if "keys" in data:
            keymaps.append(data["keys"])
    return keymaps


def binding_ids() -> set[str]:
    return {
        binding.id
        for owner in reader_binding_classes()
        for bindings in declared_bindings(owner).key_to_bindings.values()
        for binding in bindings
        if binding.id
    }


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(Settings.__doc__ or "", id="config.py"),
        pytest.param((ROOT / "README.md").read_text("utf-8"), id="README.md"),
    ],
)
def test_every_binding_id_in_the_config_examples_exists(source: str) -> None:
    keymaps = example_keymaps(source)
    assert keymaps, "the example has no [keys] table to check"
    known = binding_ids()
    for keymap in keymaps:
        assert keymap
        assert sorted(set(keymap) - known) == []
        assert bad_key_specs(keymap) == []
