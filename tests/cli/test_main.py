"""The ``b2bcredit`` command: parser, demo and error reporting."""

from __future__ import annotations

import argparse

import pytest

from b2bcredit.cli import demo
from b2bcredit.cli import main as cli_main
from b2bcredit.core.errors import InvalidInputError


def test_demo_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["demo"]) == 0
    assert capsys.readouterr().out.strip()


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_library_error_is_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(arguments: argparse.Namespace) -> int:
        raise InvalidInputError("amount", "abc", "not a decimal number", "Pass digits.")

    monkeypatch.setattr(demo, "run", failing)
    assert cli_main.main(["demo"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "amount: not a decimal number, got 'abc'. Pass digits." in error


def test_bad_option_value_is_one_line_and_a_help_pointer(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main.main(["schedule", "--amount", "1000", "--rate", "0.1", "--periods", "3", "--start", "2024-13-45"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.splitlines() == [
        "b2bcredit schedule: error: argument --start: invalid date '2024-13-45': write it as YYYY-MM-DD",
        "Run 'b2bcredit schedule --help' to see every option.",
    ]
