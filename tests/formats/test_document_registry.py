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
