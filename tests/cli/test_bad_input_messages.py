"""Bad input on the command line gets one clear line, never a traceback or a misleading word."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.cli import main
from reader.core.store import AnnotationStore

TEXT = "Refugees in Lebanon face growing pressure to return.\n"


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("reader: error: "), err
    return lines[0]


def link_loop(folder: Path, name: str = "loop.txt") -> Path:
    """Two links pointing at each other."""
    first, second = folder / name, folder / f"other-{name}"
    first.symlink_to(second.name)
    second.symlink_to(first.name)
    return first


def test_adding_a_symlink_loop_is_one_line(run, tmp_path: Path, db_path: Path) -> None:
    loop = link_loop(tmp_path)
    status, _, err = run("add", str(loop), "--tag", "x", "--quote", "Refugees")
    assert status == 1
    assert one_error_line(err) == f"reader: error: {loop}: is a loop of symbolic links, " \
        "not a document"
    document = tmp_path / "statement.txt"
    document.write_text(TEXT, "utf-8")
    assert run("add", str(document), "--tag", "x", "--quote", "Refugees")[0] == 0
    status, _, err = run("docs", "relink", "statement", str(loop))
    assert status == 1
    assert one_error_line(err).endswith("is a loop of symbolic links, not a document")
    status, _, err = run("list", "--doc", str(loop))
    assert status == 1 and one_error_line(err).startswith("reader: error: no document matches")


def test_a_csv_row_whose_path_is_a_symlink_loop_is_kept_as_missing(
    run, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "statement.txt"
    document.write_text(TEXT, "utf-8")
    assert run("add", str(document), "--tag", "refugees", "--quote", "Refugees")[0] == 0
    exported = tmp_path / "out.csv"
    assert run("export", "-o", str(exported))[0] == 0
    # The same row, pointing at a loop, with a hash no document has.
    loop = link_loop(tmp_path, "gone.txt")
    header, row = exported.read_text("utf-8").split("\n", 1)
    sha = AnnotationStore(db_path).documents()[0].sha256
    exported.write_text(header + "\n" + row.replace(str(document), str(loop)).replace(sha, ""),
                        "utf-8")
    other_db = tmp_path / "other.json"
    status = main(["--db", str(other_db), "import", str(exported)])
    assert status == 0
    (kept,) = AnnotationStore(other_db).documents()
    assert kept.path == str(loop)
    status = main(["--db", str(other_db), "docs"])
    assert status == 0 and "\tunreadable\t" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lst",), "unknown command 'lst' (did you mean 'list'?)"),
        (("exprot", "-o", "x.csv"), "unknown command 'exprot' (did you mean 'export'?)"),
        (("tag",), "unknown command 'tag' (did you mean 'tags'?)"),
        (("frobnicate",), "unknown command 'frobnicate', and no file or folder has that name "
                          "(see `reader --help`)"),
    ],
)
def test_a_mistyped_command_exits_2_without_starting_the_reader(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(*args)
    assert status == 2 and out == ""
    assert err.splitlines()[-1] == f"reader: error: {message}"
    assert "needs a terminal" not in err  # it never tried to start the reader


def test_a_file_named_like_a_mistyped_command_still_opens(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lst").write_text(TEXT, "utf-8")
    (tmp_path / "tag").mkdir()
    for word in ("lst", "tag"):
        status, _, err = run(word)  # the reader would start (pytest's stdout is no terminal)
        assert status == 1 and "needs a terminal" in err


def test_documents_that_do_not_exist_are_an_error_not_an_empty_reader(
    run, tmp_path: Path
) -> None:
    status, _, err = run(str(tmp_path / "nowhere.txt"), str(tmp_path / "gone"))
    assert status == 1
    assert one_error_line(err) == (f"reader: error: {tmp_path / 'nowhere.txt'}, "
                                   f"{tmp_path / 'gone'}: no such file or folder")
    status, _, err = run("open", "lst")  # named as a document, so not a mistyped command
    assert status == 1 and one_error_line(err) == "reader: error: lst: no such file or folder"
    # One that exists is enough to start the reader, which names the missing one.
    existing = tmp_path / "here.txt"
    existing.write_text(TEXT, "utf-8")
    status, _, err = run(str(tmp_path / "nowhere.txt"), str(existing))
    assert status == 1 and "needs a terminal" in err


def test_importing_a_folder_says_it_is_a_folder(run, tmp_path: Path) -> None:
    status, _, err = run("import", str(tmp_path))
    assert status == 1
    # Not "the CSV file": a .qdpx, .qdc or W3C file is imported as well.
    assert one_error_line(err) == f"reader: error: {tmp_path}: is a folder; give the file to " \
        "import"
    status, _, err = run("import", str(tmp_path / "missing.csv"))
    assert status == 1 and one_error_line(err).endswith("missing.csv: no such file")


def test_a_broken_config_file_is_a_warning_naming_its_line(
    run, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    config = tmp_path / "config.toml"
    config.write_text('[user]\nname = "Rania\n', "utf-8")  # the closing quote is missing
    monkeypatch.setenv("READER_CONFIG", str(config))
    document = tmp_path / "statement.txt"
    document.write_text(TEXT, "utf-8")
    status, out, err = run("add", str(document), "--tag", "refugees", "--quote", "Refugees")
    assert status == 0 and "Added" in out
    (warning,) = err.splitlines()
    assert warning.startswith(f"reader: warning: config file {config} is not valid TOML")
    assert "line 2" in warning and warning.endswith("; using the defaults")
    # Carried on with the defaults: the login name is the annotator.
    assert AnnotationStore(db_path).annotations()[0].annotator == getpass.getuser()
    status, out, err = run("list")
    assert status == 0 and "Refugees" in out and "line 2" in err
    assert run("locate")[0] == 0
