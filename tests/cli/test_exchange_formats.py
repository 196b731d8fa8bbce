"""`reader export --format` and `reader import`: every registered format, its options, refusals."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from reader import cli_output
from reader.cli import main
from reader.interop import registry
from reader.interop.registry import EXPORT_FORMATS, ExportFormat, ExportOption, ExportOutcome

STATEMENT = "Joint statement\nRefugees in Lebanon face pressure to return.\n"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "statement.txt"
    path.write_text(STATEMENT, encoding="utf-8")
    return path


@pytest.fixture
def coded(run, doc: Path) -> Path:
    status, _, err = run("add", str(doc), "--tag", "refugees/Lebanon", "--memo", "pressure",
                         "--quote", "Refugees in Lebanon")
    assert status == 0, err
    return doc


def test_help_offers_every_registered_format(run) -> None:
    status, out, _ = run("export", "--help")
    assert status == 0
    assert "{" + ",".join(EXPORT_FORMATS) + "}" in out
    for flag in ("--excel", "--no-formula-guard", "--source-base"):
        assert flag in out


def test_qdpx_to_a_file(run, coded: Path, tmp_path: Path) -> None:
    target = tmp_path / "project.qdpx"
    status, out, err = run("export", "--format", "qdpx", "-o", str(target))
    assert (status, err) == (0, "")
    assert out == f"Wrote 1 passage(s) to {target}\n"
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist()[0] == "project.qde"
        assert b'name="Refugees in Lebanon"' in archive.read("project.qde")


def test_qdc_and_w3c_go_to_standard_output(run, coded: Path) -> None:
    status, out, _ = run("export", "--format", "qdc")
    assert status == 0 and out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<CodeBook ')
    assert 'name="Lebanon"' in out
    status, out, _ = run("export", "--format", "w3c", "--source-base", "https://example.org/c/")
    assert status == 0 and '"source": "https://example.org/c/statement.txt"' in out


def test_qdpx_through_a_pipe_is_the_archive(db_path: Path, coded: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reader", "--db", str(db_path), "export", "--format", "qdpx"],
        capture_output=True, check=False, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(io.BytesIO(result.stdout)) as archive:
        assert archive.testzip() is None and "project.qde" in archive.namelist()


def test_qdpx_is_not_written_onto_a_terminal(run, coded: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_output.Output, "is_terminal", property(lambda self: True))
    status, out, err = run("export", "--format", "qdpx")
    assert status == 1 and out == ""
    assert err == ("reader: error: a .qdpx file is binary: give -o FILE.qdpx, or redirect the "
                   "output to a file\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "qdpx", "--excel"), "--excel goes with --format csv, not qdpx"),
        (("--format", "w3c", "--no-formula-guard"),
         "--no-formula-guard goes with --format csv, not w3c"),
        (("--source-base", "https://example.org/"), "--source-base goes with --format w3c, "
                                                    "not csv"),
        (("--format", "qdc", "--doc", "statement"),
         "--doc does not apply to --format qdc (it has no documents)"),
        (("--format", "w3c", "--source-base", "corpus"), "--source-base must be an absolute URL"),
    ],
)
def test_options_of_another_format_are_refused(run, coded: Path, tmp_path: Path,
                                              args: tuple[str, ...], message: str) -> None:
    target = tmp_path / "out"
    status, out, err = run("export", *args, "-o", str(target))
    assert status == 1 and out == ""
    assert err.startswith(f"reader: error: {message}") and err.count("\n") == 1
    assert not target.exists()


def test_what_is_left_out_is_said_on_standard_error(run, coded: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Other notes on return.\n", encoding="utf-8")
    assert run("add", str(other), "--tag", "refugees", "--quote", "return")[0] == 0
    coded.write_text(STATEMENT + "changed\n", encoding="utf-8")
    target = tmp_path / "x.qdpx"
    status, out, err = run("export", "--format", "qdpx", "-o", str(target))
    assert status == 0 and out == f"Wrote 1 passage(s) to {target}\n"
    assert err.startswith("reader: warning: 'Joint statement' and its 1 passage(s) left out: "
                          "its file changed since it was coded")
    other.unlink()
    status, out, err = run("export", "--format", "qdpx", "-o", str(tmp_path / "y.qdpx"))
    assert status == 1 and out == ""
    assert err.startswith("reader: error: nothing to export: 'Joint statement' and its 1 "
                          "passage(s) left out")
    assert "'Other notes on return.' and its 1 passage(s) left out: its file is missing" in err
    assert not (tmp_path / "y.qdpx").exists()


def test_a_new_format_is_one_registry_entry(run, coded: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """No branch in the command line: an entry alone brings its choice, flag and exporter."""
    calls: list[dict[str, Any]] = []

    def export_lines(store: Any, destination: Any, **given: Any) -> ExportOutcome:
        calls.append(given)
        destination.write_text("\n".join(a.quote for a in store.annotations()))
        return ExportOutcome(len(store.annotations()), "line")

    entry = ExportFormat(
        name="lines", label="Lines", description="one quote a line", suffix=".txt",
        export=export_lines,
        options=(ExportOption(name="upper", keyword="upper", flag="--upper", kind="switch",
                              default=False, help="shout", label="Upper case"),),
    )
    monkeypatch.setattr(registry, "EXPORT_FORMATS", {**EXPORT_FORMATS, "lines": entry})
    target = tmp_path / "quotes.txt"
    status, out, err = run("export", "--format", "lines", "--upper", "-o", str(target))
    assert (status, err) == (0, ""), err
    assert out == f"Wrote 1 line(s) to {target}\n"
    assert target.read_text() == "Refugees in Lebanon"
    assert calls == [{"document_ids": None, "tag_ids": None, "upper": True}]
    status, _, err = run("export", "--format", "csv", "--upper")
    assert status == 1 and "--upper goes with --format lines, not csv" in err


def test_import_reads_a_qdc_codebook_by_its_suffix(run, tmp_path: Path) -> None:
    codebook = tmp_path / "FROM-NVIVO.QDC"
    codebook.write_text(
        '<CodeBook xmlns="urn:QDA-XML:codebook:1:0"><Codes>'
        '<Code guid="7b0a6c3e-52f4-4a8e-9d2b-0c1d2e3f4a5b" name="Emotion" isCodable="false">'
        '<Code guid="2f1e0d9c-8b7a-4654-9321-0fedcba98765" name="Joy" isCodable="true" '
        'color="#FFCC00"/></Code></Codes><Sets><Set guid="5d4c3b2a-1908-4776-8655-443322110099" '
        'name="Affect"/></Sets></CodeBook>', encoding="utf-8")
    status, out, err = run("import", str(codebook))
    assert status == 0
    assert out.splitlines() == [
        "Imported codebook FROM-NVIVO.QDC: 2 tag(s) created, 0 already there",
        "Created tag 'Emotion'",
        "Created tag 'Emotion/Joy'",
    ]
    assert err == "reader: warning: 1 set(s) skipped: reader has no sets of codes\n"
    status, out, _ = run("import", str(codebook))
    assert status == 0 and out.startswith("Imported codebook FROM-NVIVO.QDC: 0 tag(s) created, "
                                          "2 already there")
    status, out, _ = run("tags")
    assert "Emotion/Joy" in out and "#ffcc00" in out
    codebook.write_text("<!DOCTYPE x [<!ENTITY a 'b'>]><CodeBook/>", encoding="utf-8")
    status, _, err = run("import", str(codebook))
    assert status == 1 and err == ("reader: error: FROM-NVIVO.QDC: declares a DOCTYPE or "
                                   "entities, which a codebook does not need; refused\n")


def test_import_reads_qdpx_and_w3c_exports_into_another_database(
    run, coded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    project, annotations = tmp_path / "project.qdpx", tmp_path / "annotations.jsonld"
    assert run("export", "--format", "qdpx", "-o", str(project))[0] == 0
    assert run("export", "--format", "w3c", "-o", str(annotations))[0] == 0
    assert main(["--db", str(tmp_path / "from-qdpx.json"), "import", str(project)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Imported project project.qdpx: 1 document(s) and 1 passage(s) "
                          "added, 0 passage(s) already there, ")
    assert "Added document 'Joint statement'" in out
    assert main(["--db", str(tmp_path / "from-w3c.json"), "import", str(annotations)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Imported annotations.jsonld: 1 annotation(s) added (0 re-anchored "
                          "by quote), 0 already there, 0 not placed")
    project.write_bytes(b"PK\x03\x04 not really a zip")
    status, _, err = run("import", str(project))
    assert status == 1 and err.count("\n") == 1 and "project.qdpx" in err
