"""Mangled copies of every fixture (bytes changed, cut or spliced) open or fail in one line:
no loader lets a library's own exception through."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reader.formats.base import DocumentError, load_document

FIXTURES = Path(__file__).parent / "fixtures"
COPIES = 8


def mangled(data: bytes, rng: random.Random) -> bytes:
    changed = bytearray(data)
    kind = rng.choice(["flip", "cut", "splice"])
    if kind == "flip":
        for _ in range(rng.randint(1, 20)):
            changed[rng.randrange(len(changed))] = rng.randrange(256)
    elif kind == "cut":
        del changed[rng.randrange(1, len(changed)) :]
    else:
        start = rng.randrange(len(changed))
        changed[start : start + rng.randint(1, 200)] = rng.randbytes(rng.randint(0, 200))
    return bytes(changed)


@pytest.mark.parametrize("fixture", sorted(FIXTURES.iterdir()), ids=lambda path: path.name)
def test_mangled_copies_open_or_fail_in_one_line(tmp_path: Path, fixture: Path) -> None:
    rng = random.Random(fixture.name)
    data = fixture.read_bytes()
    for copy in range(COPIES):
        path = tmp_path / f"copy-{copy}{fixture.suffix}"
        path.write_bytes(mangled(data, rng))
        try:
            load_document(path)
        except DocumentError as error:
            assert "\n" not in str(error) and str(path) in str(error)
