"""``segment`` on extracts too small for the CLV models: rows still written, CLV empty."""

from __future__ import annotations

import csv
import gzip
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from b2bcredit.cli import main as cli_main
from b2bcredit.segments.pipeline import segment_customers
from b2bcredit.segments.tiers import default_tier_policy
from b2bcredit.segments.transactions import read_transactions


def _head(source: Path, lines: int, target: Path) -> Path:
    with gzip.open(source, "rt", encoding="utf-8", newline="") as handle, target.open("w") as out:
        for _, text in zip(range(lines), handle, strict=False):
            out.write(text)
    return target


@pytest.fixture(scope="module")
def seven_weeks(data_file: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = data_file("online_retail/online_retail.csv.gz")
    return _head(source, 60_000, tmp_path_factory.mktemp("retail") / "head.csv")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        status = cli_main.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _clv_column(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["clv"] for row in csv.DictReader(handle)]


def test_seven_weeks_skips_clv(seven_weeks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "customers.csv"
    status, printed, error = _run(["segment", str(seven_weeks), "--out", str(out), "--no-progress"], capsys)
    assert status == 0, error
    assert error == ""
    assert "CLV skipped, the clv column is empty: the BG/NBD fit on 1100 customers ended at boundary" in printed
    assert "wrote 1100 customers" in printed
    assert set(_clv_column(out)) == {""}


def test_two_thousand_lines_skip_clv(data_file: Callable[[str], Path], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    source = _head(data_file("online_retail/online_retail.csv.gz"), 2_000, tmp_path / "head.csv")
    out = tmp_path / "customers.csv"
    status, printed, error = _run(["segment", str(source), "--out", str(out)], capsys)
    assert status == 0, error
    assert "need at least two customers with repeat purchases, found 0" in printed
    assert len(_clv_column(out)) == 68


def test_no_clv_option(seven_weeks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "customers.csv"
    status, printed, _ = _run(["segment", str(seven_weeks), "--out", str(out), "--no-clv", "--no-progress"],
                              capsys)
    assert status == 0
    assert "CLV skipped, the clv column is empty: switched off" in printed
    assert "BG/NBD:" not in printed
    assert set(_clv_column(out)) == {""}


def test_left_out_customers_explained(seven_weeks: Path) -> None:
    table = read_transactions(seven_weeks, currency="GBP", zone="Europe/London")
    result = segment_customers(table, default_tier_policy("GBP"), predict_clv=False, clusters=2)
    assert table.report.customers == len(result.customers) + result.customers_without_sale
    assert result.customers_without_sale == 65
    assert result.left_out_lines() == [
        "65 customers left out: no sale line, only cancellations, returns, adjustments or zero-price lines"
    ]
