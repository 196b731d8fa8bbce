"""Choosing files to open: folder listing, one-line reasons, loading that never raises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from reader.ui.opening import describe, describe_skipped, expand_folder, load_or_reason


def test_expand_folder_sorts_documents_and_names_what_it_skips(tmp_path: Path) -> None:
    tmp_path = tmp_path / "corpus"
    tmp_path.mkdir()
    (tmp_path / "b.txt").write_text("b", "utf-8")
    (tmp_path / "A.md").write_text("a", "utf-8")
    (tmp_path / "tool.exe").write_bytes(b"MZ")
    (tmp_path / "sub").mkdir()
    (tmp_path / ".secret.txt").write_text("hidden", "utf-8")
    files, skipped = expand_folder(tmp_path)
    assert [path.name for path in files] == ["A.md", "b.txt"]
    assert sorted((path.name, why) for path, why in skipped) == [
        ("tool.exe", "not a supported document type"),
    ]


def test_expand_folder_takes_subfolders_after_the_folders_own_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for name in ("z.txt", "2019/b.pdf", "2019/a.docx", "2019/scan.tiff", "2019/old/c.md",
                 "2018/d.html", ".git/config.txt"):
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", "utf-8")
    (corpus / "back-up").symlink_to(corpus)  # a loop, were it followed
    files, skipped = expand_folder(corpus)
    assert [path.relative_to(corpus).as_posix() for path in files] == [
        "z.txt", "2018/d.html", "2019/a.docx", "2019/b.pdf", "2019/old/c.md",
    ]
    assert describe_skipped(skipped, root=corpus).splitlines() == [
        "back-up: a link to a folder (not followed)",
        "2019/scan.tiff: not a supported document type",
    ]
    shutil.rmtree(corpus / "2018")
    (corpus / "z.txt").unlink()
    assert expand_folder(corpus, first_only=True)[0] == [corpus / "2019" / "a.docx"]


def test_expand_folder_that_cannot_be_listed(tmp_path: Path) -> None:
    files, skipped = expand_folder(tmp_path / "missing")
    assert files == []
    assert len(skipped) == 1 and skipped[0][0].name == "missing"


def test_load_or_reason_returns_a_reason_instead_of_raising(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Some text.\n", "utf-8")
    loaded = load_or_reason(good, tmp_path / "db.json")
    assert not isinstance(loaded, str) and loaded.text == "Some text.\n"
    for bad in (tmp_path / "missing.txt", tmp_path, tmp_path / "good.txt" / "x"):
        reason = load_or_reason(bad, tmp_path / "db.json")
        assert isinstance(reason, str) and reason and "\n" not in reason


def test_describe_names_the_file_once() -> None:
    assert describe(Path("/x/a.txt"), "binary file") == "a.txt: binary file"
    assert describe(Path("/x/a.txt"), "/x/a.txt is a binary file") == "/x/a.txt is a binary file"


def test_a_long_list_of_skipped_files_is_cut_short_and_counted() -> None:
    skipped = [(Path(f"/x/{number}.exe"), "not supported") for number in range(2_500)]
    report = describe_skipped(skipped, limit=3)
    assert report.splitlines() == [
        "0.exe: not supported", "1.exe: not supported", "2.exe: not supported",
        "... and 2,497 more",
    ]


def test_a_symlink_loop_is_a_one_line_reason(tmp_path: Path) -> None:
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop.name)
    reason = load_or_reason(loop, tmp_path / "db.json")
    assert reason == f"{loop}: is a loop of symbolic links, not a document"


def test_opening_and_session_do_not_import_textual() -> None:
    code = "import sys, reader.ui.opening, reader.session; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
