"""Finding the public data sets, and the messages when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from b2bcredit.datasets.paths import DataFileNotFoundError, data_root, find_data_file
from tests.conftest import _require_data_file


def test_env_var_sets_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "polish_bankruptcy").mkdir()
    (tmp_path / "polish_bankruptcy" / "5year.arff").write_text("@relation x\n")
    monkeypatch.setenv("B2BCREDIT_DATA", str(tmp_path))
    assert data_root() == tmp_path
    assert find_data_file("polish_bankruptcy/5year.arff") == tmp_path / "polish_bankruptcy" / "5year.arff"


def test_missing_file_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BCREDIT_DATA", str(tmp_path))
    with pytest.raises(DataFileNotFoundError) as raised:
        find_data_file("sba_loans_case/SBAcase.11.13.17.csv")
    message = str(raised.value)
    assert "sba_loans_case/SBAcase.11.13.17.csv" in message
    assert "B2BCREDIT_DATA" in message


def test_missing_file_skips_outside_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BCREDIT_DATA", str(tmp_path))
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=r"absent\.csv"):
        _require_data_file("absent.csv")


def test_missing_file_fails_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BCREDIT_DATA", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"absent\.csv"):
        _require_data_file("absent.csv")
