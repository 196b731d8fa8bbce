"""The built wheel installs into a fresh environment and works on a bundled sample document."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_installs_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=ROOT, check=True, capture_output=True,
    )
    (wheel,) = dist.glob("reader_annotator-*.whl")
    with zipfile.ZipFile(wheel) as archive:  # the .qdpx import checks projects against it
        assert "reader/interop/schemas/Project.xsd" in archive.namelist()

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True)
    # The dependencies come from this test run's environment, so the test needs no network;
    # a path in a .pth file runs none of that environment's own .pth files (its editable reader).
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    Path(site, "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    reader = env_dir / "bin" / "reader"
    db = tmp_path / "db.json"
    environment = {**os.environ, "READER_DB": str(db)}

    def run(*args: str) -> str:
        result = subprocess.run([reader, *args], capture_output=True, text=True,
                                env=environment, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "export" in run("--help")
    locations = dict(line.split("\t") for line in run("locate").splitlines()[1:])
    samples = Path(locations["samples"])
    assert samples.is_relative_to(env_dir), "the wheel must carry its own sample documents"
    assert Path(locations["styles"]).is_relative_to(env_dir)
    assert len(list(samples.iterdir())) >= 5

    sample = samples / "working-group-refugees-detainees.txt"
    text = sample.read_text(encoding="utf-8")
    quote = next(line for line in text.splitlines() if "Lebanon" in line).split(".")[0]
    assert "Created tag" not in run("add", str(sample), "--tag", "refugees", "--quote", quote)
    listed = run("list")
    assert "refugees" in listed and len(listed.splitlines()) == 2
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv"))))
    assert [(row["tag"], row["content"]) for row in rows] == [("refugees", quote)]
