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


@pytest.mark.parametrize(
    ("start", "problem"),
    [("2024-13-45", "no such day in the calendar"), ("2024-02-30", "no such day in the calendar"),
     ("15/01/2024", "write it as YYYY-MM-DD")],
)
def test_bad_option_value_one_line(
    start: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main.main(["schedule", "--amount", "1000", "--rate", "0.1", "--periods", "3", "--start", start])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.splitlines() == [
        f"b2bcredit schedule: error: argument --start: invalid date '{start}': {problem}",
        "Run 'b2bcredit schedule --help' to see every option.",
    ]
