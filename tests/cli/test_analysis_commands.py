"""`reader stats`, `reader search` and `reader report`, run in-process."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from reader.core.store import AnnotationStore, backup_path_for

STATEMENT = (
    "Joint statement of the working group\n"
    "\n"
    "The group met in Roumieh on 3 May. Refugees in Lebanon face pressure to return.\n"
    "Families of detainees asked for news of Roumieh prison.\n"
)
HOSTILE = "Notes \x1b]0;pwned\x07 from Roumieh \x1b[2J today.\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def docs(tmp_path: Path) -> tuple[Path, Path]:
    statement = tmp_path / "statement.txt"
    statement.write_text(STATEMENT, encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text(HOSTILE, encoding="utf-8")
    return statement, notes


@pytest.fixture
def coded(run, docs) -> tuple[Path, Path]:
    statement, notes = docs
    for args in (
        ("--quote", "Refugees in Lebanon", "--tag", "refugees"),
        ("--quote", "Refugees in Lebanon face", "--tag", "place/camp", "--tag", "refugees"),
        ("--quote", "Roumieh prison", "--tag", "place/prison", "--memo", "the *big* one"),
    ):
        assert run("add", str(statement), *args)[0] == 0
    assert run("add", str(notes), "--quote", "Roumieh", "--tag", "place/prison")[0] == 0
    return docs


def test_stats_as_csv_has_a_column_per_tag_and_parents_roll_up(run, coded) -> None:
    status, out, err = run("stats", "--format", "csv")
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    header = rows[0]
    assert header[0] == "document"
    assert {"place", "place/camp", "place/prison", "refugees"} <= set(header)
    by_title = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    statement = by_title["Joint statement of the working group"]
    assert (statement["place"], statement["place/camp"], statement["place/prison"],
            statement["refugees"]) == ("2", "1", "1", "2")
    (notes,) = (row for title, row in by_title.items() if title.startswith("Notes"))
    assert (notes["place"], notes["place/prison"], notes["refugees"]) == ("1", "1", "0")


def test_stats_by_annotator_as_json(run, coded) -> None:
    status, out, _ = run("stats", "--by", "annotator", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["by"] == "annotator"
    (row,) = data["rows"]
    assert row["passages"] == 4
    assert row["tags"]["place"] == {"passages": 3, "characters": len("Refugees in Lebanon face")
                                    + len("Roumieh prison") + len("Roumieh")}
    assert data["totals"]["place"] == 3


def test_cooccurrence_as_csv(run, coded) -> None:
    status, out, _ = run("stats", "--cooccurrence", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 0 and rows[0][0] == "tag"
    matrix = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    # "Refugees in Lebanon" overlaps "Refugees in Lebanon face" (refugees + place/camp),
    # which also carries both tags itself.
    assert matrix["refugees"]["place/camp"] == "2"
    assert matrix["place/camp"]["refugees"] == "2"
    assert matrix["refugees"]["refugees"] == "2"
    assert matrix["place"]["place/prison"] == "2"


def test_the_tags_listing_rolls_parents_up(run, coded) -> None:
    status, out, _ = run("tags")
    rows = {line.split("\t")[1]: line.split("\t")[3] for line in out.splitlines()[1:]}
    assert status == 0
    assert (rows["place"], rows["place/camp"], rows["place/prison"]) == ("3", "1", "2")


def test_search_lists_hits_in_context(run, coded) -> None:
    status, out, err = run("search", "roumieh", "--context", "10", "--format", "json")
    assert status == 0, err
    hits = json.loads(out)
    assert [(hit["document"].startswith("Joint"), hit["line"], hit["match"]) for hit in hits
            ] == [(True, 3, "Roumieh"), (True, 4, "Roumieh"), (False, 1, "Roumieh")]
    assert hits[0]["left"] == "group met in "[-10:] and hits[0]["right"] == " on 3 May."
    status, out, _ = run("search", "Roumieh prison", "--case", "--format", "csv")
    assert status == 0 and len(list(csv.reader(io.StringIO(out)))) == 2


def test_search_on_a_terminal_shows_escape_sequences_as_symbols(
    run, coded, monkeypatch: pytest.MonkeyPatch
) -> None:
    for format_ in ("table", "csv", "json"):
        screen = Terminal()
        monkeypatch.setattr(sys, "stdout", screen)
        status, _, _ = run("search", "roumieh", "--doc", "notes", "--format", format_)
        monkeypatch.undo()
        assert status == 0
        shown = screen.getvalue()
        # (A table on a terminal has Rich's own styling sequences, never the document's.)
        assert "\x1b]0;pwned" not in shown and "\x07" not in shown, format_
        assert "\x1b[2J" not in shown, format_
        # JSON escapes control characters itself; the table and CSV show them as symbols.
        assert "␛[2J" in shown or "\\u001b[2J" in shown, format_


def test_search_code_codes_every_hit_as_one_undo_step(run, coded, db_path) -> None:
    before = len(AnnotationStore(db_path).annotations())
    status, out, err = run("search", "roumieh", "--code", "site", "--unit", "sentence")
    assert status == 0, err
    assert "Coded 3 passage(s) with 'site'" in out
    store = AnnotationStore(db_path)
    site = store.codebook().resolve("site")
    assert sorted(a.quote for a in store.annotations(tag=site.id)) == [
        "Families of detainees asked for news of Roumieh prison.",
        "Notes \x1b]0;pwned\x07 from Roumieh \x1b[2J today.",
        "The group met in Roumieh on 3 May.",
    ]
    # Again: every hit is coded already.
    status, out, _ = run("search", "roumieh", "--code", "site")
    assert status == 0 and out.startswith("Nothing to code: each of the 3 hit(s)")
    status, out, _ = run("search", "nowhere to be found", "--code", "site")
    assert status == 0 and out.startswith("No hits for 'nowhere to be found'")
    status, out, _ = run("undo")
    assert out.startswith("Undid: auto-code 3 passages with site")
    store = AnnotationStore(db_path)
    assert len(store.annotations()) == before
    assert store.codebook().find("site") is None  # the tag it created went with them


def test_search_refuses_bad_input_in_one_line(run, coded) -> None:
    for args, message in (
        (("search", "(", "--regex"), "invalid regular expression"),
        (("search", ""), "PATTERN is empty"),
        (("search", "x", "--unit", "sentence"), "--unit goes with --code"),
        (("search", "x", "--doc", "nowhere"), "no document matches"),
    ):
        status, out, err = run(*args)
        assert status == 1 and message in err and err.count("\n") == 1, (args, err)


def test_report_as_markdown_and_html(run, coded, tmp_path: Path) -> None:
    status, out, err = run("report", "--tag", "place")
    assert status == 0, err
    assert out.startswith("# Coded passages\n")
    assert "## place/camp (1 passage)" in out and "## place/prison (2 passages)" in out
    assert "## refugees" not in out
    assert "> Roumieh prison\n" in out
    assert "> Memo: the \\*big\\* one" in out
    assert "line 4" in out
    target = tmp_path / "report.html"
    status, out, _ = run("report", "--format", "html", "--doc", "statement", "-o", str(target))
    assert status == 0 and "Wrote 4 passage(s) under 3 tag(s)" in out
    page = target.read_text(encoding="utf-8")
    assert "<h2>refugees (2 passages)</h2>" in page and "Notes" not in page


def test_report_refuses_to_overwrite_the_database(run, coded, db_path) -> None:
    status, _, err = run("report", "-o", str(db_path))
    assert status == 1 and "choose another file" in err


def test_stats_and_report_on_an_empty_database(run) -> None:
    status, out, err = run("stats", "--format", "csv")
    assert status == 0, err
    assert out.splitlines()[0].startswith("document,")
    assert len(out.splitlines()) == 1
    status, out, _ = run("report")
    assert status == 0 and "No coded passages match." in out


def test_unknown_tag_or_document_in_a_report_is_one_line(run, coded) -> None:
    for args, message in ((("report", "--tag", "nothing"), "no tag named 'nothing'"),
                          (("report", "--doc", "nowhere"), "no document matches"),
                          (("search", "x", "--context", "-1"), "--context counts characters")):
        status, _, err = run(*args)
        assert status == 1 and message in err and err.count("\n") == 1, (args, err)


def test_search_finds_arabic_spellings(run, tmp_path: Path) -> None:
    statement = tmp_path / "bayan.txt"
    statement.write_text("ذهب إلى المَدْرَسَة ثم الى مـدرسـة أخرى.\n", encoding="utf-8")
    assert run("add", str(statement), "--quote", "ذهب", "--tag", "x")[0] == 0
    status, out, _ = run("search", "مدرسة", "--format", "json")
    assert status == 0
    assert [hit["match"] for hit in json.loads(out)] == ["مَدْرَسَة", "مـدرسـة"]


def test_stats_over_a_damaged_passage_file_says_so_and_counts_its_copy(run, coded,
                                                                       db_path: Path) -> None:
    import gc

    status, before, _ = run("stats", "--format", "csv")
    assert status == 0
    passages = sorted((db_path.parent / f"{db_path.name}.d" / "passages").glob("*.json"))
    (damaged,) = (path for path in passages if backup_path_for(path).exists())  # the statement's
    data = json.loads(damaged.read_text())
    data["annotations"][max(data["annotations"], key=int)]["start"] = "zero"
    damaged.write_text(json.dumps(data))

    status, out, err = run("stats", "--format", "csv")

    assert status == 0 and "Traceback" not in err
    assert "holds a damaged record" in err and "moved aside" in err and "restored" in err
    assert out == before  # the copy kept before the last change, with the journal replayed
    assert gc.isenabled()  # the collector paused for counting is running again
