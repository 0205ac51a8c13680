"""Command-line file errors: each ends in one line naming the file and the fix."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from b2bcredit.cli import main as cli_main

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def _cp1252_file(path: Path) -> Path:
    lines = [HEADER, "536365,85123A,MUG,6,2010-12-01 08:26,2.55,17850,Germany\n",
             "536366,85123A,Müller GmbH mug,6,2010-12-01 08:28,2.55,17851,Germany\n"]
    path.write_bytes("".join(lines).encode("cp1252"))
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli_main.main(argv)
    return status, capsys.readouterr().err


def test_segment_non_utf8_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _cp1252_file(tmp_path / "lines.csv")
    offset = source.read_bytes().index(b"\xfc")
    status, error = _run(["segment", str(source), "--out", str(tmp_path / "c.csv"), "--no-progress"], capsys)
    assert status == 1
    assert error.count("\n") == 1
    assert f"{source} is not UTF-8 (byte 0xfc at offset {offset}); save it as UTF-8" in error


def test_fit_scorecard_non_utf8_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "loans.csv"
    source.write_bytes("name,income,bad\nMüller GmbH,10,0\nB,20,1\n".encode("cp1252"))
    status, error = _run(["fit-scorecard", str(source), "--target", "bad", "--out", str(tmp_path / "m.json")], capsys)
    assert status == 1
    assert "Traceback" not in error
    offset = source.read_bytes().index(b"\xfc")
    assert f"{source} is not UTF-8 (byte 0xfc at offset {offset})" in error


def test_out_names_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _cp1252_file(tmp_path / "lines.csv")
    status, error = _run(["segment", str(source), "--out", str(tmp_path)], capsys)
    assert status == 1
    assert f"--out names a directory: {tmp_path}" in error


def test_out_folder_missing_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _cp1252_file(tmp_path / "lines.csv")
    started = time.monotonic()
    status, error = _run(["segment", str(source), "--out", str(tmp_path / "none" / "c.csv")], capsys)
    assert status == 1
    # The check runs before reading the input, which here is not even UTF-8.
    assert f"--out: the folder {tmp_path / 'none'} does not exist" in error
    assert "UTF-8" not in error
    assert time.monotonic() - started < 5


def test_fit_scorecard_out_checked_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, error = _run(["fit-scorecard", "missing.csv", "--target", "bad", "--out", str(tmp_path)], capsys)
    assert status == 1
    assert f"--out names a directory: {tmp_path}" in error


def test_directory_as_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, error = _run(["segment", str(tmp_path), "--out", str(tmp_path / "c.csv")], capsys)
    assert status == 1
    assert "is a directory" in error
    assert "not found" not in error


def test_os_error_names_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lines.csv"
    source.write_text(HEADER)
    status, error = _run(["segment", str(source), "--out", str(tmp_path / "c.csv"), "--previous", str(tmp_path)],
                         capsys)
    assert status == 1
    assert error.count("\n") == 1
    assert f"{tmp_path} is a directory; pass a file" in error
