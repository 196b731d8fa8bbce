"""Every command of the command line, run in-process, including its error paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reader.cli import main
from reader.core.store import AnnotationStore

STATEMENT = (
    "Joint statement of the working group\n"
    "\n"
    "The group met on 3 May. Refugees in Lebanon face growing pressure to return.\n"
    "Families of detainees asked for news. Refugees in Lebanon were discussed again.\n"
)


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "statement.txt"
    path.write_text(STATEMENT, encoding="utf-8")
    return path


def store(db_path: Path) -> AnnotationStore:
    return AnnotationStore(db_path)


def test_version_and_help(run) -> None:
    status, out, _ = run("--version")
    assert status == 0 and out.startswith("reader ")
    status, out, _ = run("--help")
    assert status == 0
    for command in ("add", "list", "docs", "tags", "export", "import", "undo", "redo", "locate"):
        assert command in out


def test_add_by_quote_creates_missing_tags_and_says_so(run, doc, db_path) -> None:
    status, out, err = run("add", str(doc), "--tag", "refugees", "--tag", "returns/pressure",
                           "--memo", "pressure to return", "--quote", "Refugees in Lebanon")
    assert status == 0, err
    assert "Created tag 'returns'" in out and "Created tag 'returns/pressure'" in out
    assert "line 3" in out
    (annotation,) = store(db_path).annotations()
    start = STATEMENT.index("Refugees in Lebanon")
    assert (annotation.start, annotation.end) == (start, start + len("Refugees in Lebanon"))
    assert annotation.memo == "pressure to return"
    codebook = store(db_path).codebook()
    assert [codebook.path(t) for t in annotation.tags] == ["refugees", "returns/pressure"]


def test_add_second_occurrence_and_by_offsets(run, doc, db_path) -> None:
    assert run("add", str(doc), "--tag", "refugees", "--quote", "Refugees in Lebanon",
               "--occurrence", "2")[0] == 0
    assert run("add", "statement", "--tag", "detainees", "--start", "0", "--end", "15")[0] == 0
    annotations = store(db_path).annotations()
    second = STATEMENT.index("Refugees in Lebanon", STATEMENT.index("Refugees in Lebanon") + 1)
    assert sorted(a.start for a in annotations) == [0, second]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--tag", "refugees", "--quote", "Syria"), "quote not found in 'Joint statement"),
        (("--tag", "refugees", "--quote", "Refugees", "--occurrence", "3"), "occurrence 3"),
        (("--quote", "Refugees"), "at least one --tag or a --memo"),
        (("--tag", "refugees", "--start", "5", "--end", "5"), "empty"),
        (("--tag", "refugees", "--start", "5", "--end", "99999"), "outside the text"),
        (("--tag", "refugees", "--start", "5"), "--start needs --end"),
        (("--tag", "a//b", "--quote", "Refugees"), "cannot be empty"),
    ],
)
def test_add_errors(run, doc, db_path, args, message) -> None:
    status, out, err = run("add", str(doc), *args)
    assert status == 1
    assert message in err and err.startswith("reader: error:") and err.count("\n") == 1
    assert "Traceback" not in err
    assert store(db_path).annotations() == []


def test_add_refuses_missing_binary_and_unknown_documents(run, tmp_path) -> None:
    status, _, err = run("add", str(tmp_path / "nope.txt"), "--tag", "x", "--quote", "a")
    assert status == 1 and "no such file" in err
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    status, _, err = run("add", str(binary), "--tag", "x", "--quote", "a")
    assert status == 1 and "image.png" in err and "not supported" in err
    disguised = tmp_path / "notes.txt"
    disguised.write_bytes(bytes(range(256)) * 4)
    status, _, err = run("add", str(disguised), "--tag", "x", "--quote", "a")
    assert status == 1 and "notes.txt" in err and "binary" in err.lower()
    assert "Traceback" not in err


def test_usage_errors_exit_2(run) -> None:
    status, _, err = run("add")
    assert status == 2 and "reader: error:" in err
    status, _, err = run("list", "--format", "xml")
    assert status == 2 and "invalid choice" in err


def test_list_formats_and_filters(run, doc, db_path) -> None:
    run("add", str(doc), "--tag", "refugees", "--quote", "Refugees in Lebanon")
    run("add", str(doc), "--tag", "detainees", "--memo", "news",
        "--quote", "Families of detainees")
    status, out, _ = run("list")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split("\t") == ["id", "document", "span", "tags", "quote", "memo"]
    assert len(lines) == 3  # a pipe gets plain tab-separated text
    status, out, _ = run("list", "--tag", "detainees", "--format", "json")
    records = json.loads(out)
    assert [r["quote"] for r in records] == ["Families of detainees"]
    assert records[0]["tags"] == ["detainees"] and records[0]["memo"] == "news"
    status, out, _ = run("list", "--doc", "statement.txt", "--format", "csv")
    assert out.splitlines()[0].startswith("id,document,tag,content,tags,memo,start,end")
    status, _, err = run("list", "--doc", "unknown")
    assert status == 1 and "no document matches 'unknown'" in err
    status, _, err = run("list", "--tag", "nonexistent")
    assert status == 1 and "no tag named 'nonexistent'" in err


def test_docs_lists_status_and_removes_and_relinks(run, doc, db_path, tmp_path) -> None:
    run("add", str(doc), "--tag", "refugees", "--quote", "Refugees in Lebanon")
    status, out, _ = run("docs")
    header, row = out.splitlines()
    assert header.split("\t") == ["id", "title", "annotations", "file", "encoding", "path"]
    assert row.split("\t")[1:5] == ["Joint statement of the working group", "1", "ok", "utf-8"]
    moved = tmp_path / "moved.txt"
    doc.rename(moved)
    assert run("docs")[1].splitlines()[1].split("\t")[3] == "missing"
    status, out, _ = run("docs", "relink", "statement", str(moved))
    assert status == 0 and "now reads from" in out
    assert run("docs")[1].splitlines()[1].split("\t")[3] == "ok"
    status, out, _ = run("docs", "remove", "moved.txt")
    assert status == 0 and "1 annotation(s)" in out
    assert store(db_path).documents() == [] and store(db_path).annotations() == []
    assert run("undo")[0] == 0
    assert len(store(db_path).annotations()) == 1


def test_tags_commands(run, doc, db_path) -> None:
    status, out, _ = run("tags")
    assert status == 0 and "refugees" in out and len(out.splitlines()) == 9
    status, out, _ = run("tags", "add", "refugees/Lebanon", "--colour", "#112233",
                         "--description", "in Lebanon", "--hotkey", "1")
    assert status == 0 and out.splitlines() == [
        "Hotkey 1 moves from 'refugees' to 'refugees/Lebanon'",
        "Created tag 'refugees/Lebanon'",
    ]
    status, out, _ = run("tags", "add", "aid/cash")
    assert out.splitlines() == ["Created tag 'aid'", "Created tag 'aid/cash'"]
    assert run("tags", "rename", "refugees/Lebanon", "refugees/Lebanon camps")[0] == 0
    assert run("tags", "set", "Lebanon camps", "--top-level", "--no-hotkey")[0] == 0
    codebook = store(db_path).codebook()
    tag = codebook.resolve("Lebanon camps")
    assert (codebook.path(tag), tag.colour, tag.hotkey) == ("Lebanon camps", "#112233", None)
    run("add", str(doc), "--tag", "Lebanon camps", "--quote", "Refugees in Lebanon")
    status, out, _ = run("tags", "merge", "Lebanon camps", "refugees")
    assert status == 0 and "(1 passage(s))" in out
    (annotation,) = store(db_path).annotations()
    assert annotation.tags == (store(db_path).codebook().resolve("refugees").id,)
    status, out, _ = run("tags", "remove", "refugees")
    assert status == 0 and store(db_path).annotations() == []
    status, _, err = run("tags", "set", "detainees", "--colour", "red")
    assert status == 1 and "#e69f00" in err
    status, _, err = run("tags", "rename", "nope", "x")
    assert status == 1 and "no tag named 'nope'" in err
    status, _, err = run("tags", "set", "detainees")
    assert status == 1 and "nothing to set" in err


def test_export_to_file_and_stdout(run, doc, db_path, tmp_path) -> None:
    run("add", str(doc), "--tag", "refugees", "--memo", "=cmd()", "--quote", "Refugees in Lebanon")
    target = tmp_path / "out.csv"
    status, out, _ = run("export", "--format", "csv", "-o", str(target))
    assert status == 0 and "Wrote 1 row(s)" in out
    assert "'=cmd()" in target.read_text(encoding="utf-8")
    status, out, _ = run("export", "--no-formula-guard")
    assert status == 0 and ",=cmd()," in out
    status, _, _ = run("export", "--excel", "-o", str(target))
    assert target.read_bytes().startswith(b"\xef\xbb\xbfid,") and b"\r\n" in target.read_bytes()
    status, out, _ = run("export", "--tag", "detainees")
    assert status == 0 and len(out.splitlines()) == 1


def test_import_reports_counts_and_is_idempotent(run, doc, db_path, tmp_path) -> None:
    run("add", str(doc), "--tag", "refugees", "--quote", "Refugees in Lebanon")
    exported = tmp_path / "out.csv"
    run("export", "-o", str(exported))
    other_db = tmp_path / "other.json"
    status = main(["--db", str(other_db), "import", str(exported)])
    assert status == 0
    assert len(AnnotationStore(other_db).annotations()) == 1
    status, out, _ = run("import", str(exported))
    assert status == 0 and "0 added, 0 updated, 1 skipped" in out
    status, _, err = run("import", str(tmp_path / "missing.csv"))
    assert status == 1 and "no such file" in err


def test_undo_and_redo(run, doc, db_path) -> None:
    run("add", str(doc), "--tag", "refugees", "--quote", "Refugees in Lebanon")
    status, out, _ = run("undo")
    assert status == 0 and out.strip() == "Undid: add annotation"
    assert store(db_path).annotations() == []
    assert run("redo")[1].strip() == "Redid: add annotation"
    assert len(store(db_path).annotations()) == 1
    run("undo")
    assert run("undo")[1].strip() == "Nothing to undo"


def test_locate(run, db_path) -> None:
    status, out, _ = run("locate")
    assert status == 0
    assert f"database\t{db_path}" in out
    assert "config\t" in out and "samples\t" in out


def test_the_database_comes_from_the_environment(doc, tmp_path, monkeypatch, capsys) -> None:
    env_db = tmp_path / "env.json"
    monkeypatch.setenv("READER_DB", str(env_db))
    assert main(["add", str(doc), "--tag", "refugees", "--quote", "Refugees"]) == 0
    assert len(AnnotationStore(env_db).annotations()) == 1


def test_a_corrupt_database_is_reported_and_kept(run, doc, db_path) -> None:
    run("add", str(doc), "--tag", "refugees", "--quote", "Refugees in Lebanon")
    run("add", str(doc), "--tag", "detainees", "--quote", "Families of detainees")
    db_path.write_text('{"annotations": {"1": ')
    status, out, err = run("list")
    assert status == 0
    assert "reader: warning: The database" in err and "is not valid JSON" in err
    assert "moved aside" in err and "restored" in err
    # The catalogue's copy with the journal's steps replayed onto it: nothing is lost (and the
    # passages were never in that file).
    assert "nothing is lost" in err
    assert len(out.splitlines()) == 3
    aside = [p for p in db_path.parent.iterdir() if ".corrupt-" in p.name]
    assert aside


def test_a_newer_database_is_an_error(run, db_path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_text('{"meta": {"1": {"schema_version": 7}}}')
    status, _, err = run("list")
    assert status == 1 and "upgrade reader" in err


def test_annotator_comes_from_the_config_file(run, doc, db_path, tmp_path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[user]\nname = "Rania"\n')
    monkeypatch.setenv("READER_CONFIG", str(config))
    run("add", str(doc), "--tag", "refugees", "--quote", "Refugees")
    assert store(db_path).annotations()[0].annotator == "Rania"
    config.write_text("[user\nname=")
    status, _, err = run("list")  # a broken config file is no reason not to list
    assert status == 0 and "not valid TOML" in err and err.startswith("reader: warning:")


def test_unreadable_document(run, doc, monkeypatch) -> None:
    if os.geteuid() == 0:  # root reads any file whatever its mode: refuse the read instead
        real_read_bytes = Path.read_bytes

        def refuse(self: Path) -> bytes:
            if self.name == doc.name:
                raise PermissionError(13, "Permission denied", str(self))
            return real_read_bytes(self)

        monkeypatch.setattr(Path, "read_bytes", refuse)
    else:
        doc.chmod(0)
    status, _, err = run("add", str(doc), "--tag", "x", "--quote", "a")
    assert status == 1 and "permission denied" in err.lower() and "statement.txt" in err


def test_a_terminal_gets_a_table_with_document_text_as_data(doc, db_path, monkeypatch) -> None:
    import io

    from reader import cli
    from reader.cli_output import Output

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(cli, "Output", lambda: Output(stdout=screen))
    hostile = "[bold red]x[/] \x1b]0;pwned\x07"
    assert main(["--db", str(db_path), "add", str(doc), "--tag", "refugees", "--memo", hostile,
                 "--quote", "Refugees in Lebanon"]) == 0
    screen.seek(0)
    screen.truncate()
    assert main(["--db", str(db_path), "list"]) == 0
    shown = screen.getvalue()
    assert "┏━" in shown and "1 annotation(s)" in shown  # a Rich table, not tab-separated text
    assert "\t" not in shown
    assert "[bold red]x[/]" in shown  # markup shown literally
    assert "\x1b]0;" not in shown and "\x07" not in shown  # controls never reach the terminal


def test_db_without_a_path_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--db"])
    assert exit_.value.code == 2
    assert "--db needs a PATH" in capsys.readouterr().err


def test_a_refused_passage_leaves_no_trace(run, doc, db_path) -> None:
    status, _, err = run("add", str(doc), "--tag", "refugees", "--quote", "not in the text")
    assert status == 1 and "quote not found" in err
    status, _, err = run("add", str(doc), "--tag", "refugees", "--start", "3", "--end", "3")
    assert status == 1 and "empty" in err
    assert store(db_path).documents() == []
    assert run("add", str(doc), "--tag", "fresh", "--quote", "Refugees in Lebanon")[0] == 0
    assert run("undo")[0] == 0
    after = store(db_path)
    assert after.documents() == [] and after.annotations() == []
    assert after.codebook().find("fresh") is None  # the tag made with it went too


def test_the_reader_refuses_to_start_without_a_terminal(run) -> None:
    status, _, err = run()  # pytest's stdin and stdout are not terminals
    assert status == 1 and "needs a terminal" in err


def test_only_the_command_given_is_built() -> None:
    # Starting the reader builds just `open` (the full parser costs every start-up ~5 ms);
    # help at the top, or no command, still gets every command.
    import argparse

    from reader.cli import _named_command, _split_command, build_parser

    def commands(parser: argparse.ArgumentParser) -> set[str]:
        [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return set(action.choices)

    assert _named_command(_split_command(["report.txt", "--db", "list"])) == "open"
    assert _named_command(_split_command(["--db", "x.json", "export", "-o", "-"])) == "export"
    assert _named_command(_split_command(["--help"])) is None
    assert commands(build_parser("open")) == {"open"}
    assert len(commands(build_parser())) == 13
