"""The document loaders in the registry: deferred until used, and named as their classes say."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from reader.formats import base

ROOT = Path(__file__).parent.parent.parent


def test_deferred_entries_agree_with_their_loader_classes() -> None:
    for name, suffixes, module, class_name in base._DEFERRED_LOADERS:
        loader = getattr(importlib.import_module(module), class_name)()
        assert (loader.name, tuple(loader.suffixes)) == (name, suffixes)
        assert callable(loader.extract_document)


def test_listing_formats_imports_no_extractor() -> None:
    code = (
        "import sys\n"
        "from reader.formats.base import is_supported, supported_suffixes\n"
        "assert '.pdf' in supported_suffixes() and is_supported('a.docx')\n"
        "heavy = ['pypdf', 'lxml', 'mammoth', 'trafilatura', 'striprtf', 'email.policy',\n"
        "         'zipfile', 'reader.formats.pdf', 'reader.formats.webpage']\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == "[]"


FIXTURES = Path(__file__).parent / "fixtures"


def test_every_fixture_gives_canonical_text_and_an_ordered_structure_map() -> None:
    from reader.core.text import canonicalize
    from reader.formats.base import load_document

    fixtures = sorted(path for path in FIXTURES.iterdir() if path.suffix != ".txt")
    assert {path.suffix for path in fixtures} >= {".pdf", ".docx", ".odt", ".epub", ".rtf",
                                                  ".html"}
    for path in fixtures:
        document = load_document(path)
        assert canonicalize(document.text) == document.text, path.name
        offsets = [mark.offset for mark in document.structure]
        assert offsets == sorted(offsets) and all(0 <= o <= len(document.text) for o in offsets)
        for mark in document.structure:
            if mark.kind == "heading":  # a heading mark begins its heading's text
                assert document.text[mark.offset :].split()[0] == mark.label.split()[0]
