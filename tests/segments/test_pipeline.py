"""The segmentation pipeline, the ``segment`` command and the facade."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from b2bcredit.api.segments import TierPlacementRequest, TierPolicyModel
from b2bcredit.cli import main as cli_main
from b2bcredit.cli.segment import OUTPUT_COLUMNS
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.segments.facade import (
    place_customer_request,
    segment_transactions,
    summarise_transactions,
    tier_benefits,
)
from b2bcredit.segments.firmographics import Firmographics, SizeClass
from b2bcredit.segments.pipeline import segment_customers
from b2bcredit.segments.tiers import default_tier_policy
from tests.segments.conftest import HEADER, line, table_from_rows

POLICY = default_tier_policy("GBP")


def _rows(customers: int = 12) -> list[tuple[str, ...]]:
    """Customers with 1 to 4 purchases over 2024, spending more the higher their number."""
    rows = []
    for customer in range(customers):
        for purchase in range(customer % 4 + 1):
            month = 1 + (customer + 3 * purchase) % 12
            rows.append(line(invoice=f"{customer}-{purchase}", customer=f"{1000 + customer}.0",
                             timestamp=f"2024-{month:02d}-{1 + customer:02d} 10:00:00",
                             price=f"{(customer + 1) * 40}.00", quantity=str(purchase + 2),
                             product=f"P{purchase}",
                             description=("JUMBO BAG", "WHITE MUG", "CARD", "CANDLE")[purchase]))
    rows.append(line(invoice="C1", customer="1000.0", quantity="-1", price="40.00",
                     timestamp="2024-06-01 10:00:00"))
    rows.append(line(invoice="9", customer="", timestamp="2024-06-01 10:00:00"))
    return rows


def _write(path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_pipeline_rows_and_summaries_agree() -> None:
    table = table_from_rows(_rows())
    result = segment_customers(table, POLICY, clusters=2)
    assert len(result.customers) == 12
    assert sum(tier.customers for tier in result.tiers) == 12
    assert sum(cluster.customers for cluster in result.clusters) == 12
    total = Money.sum([row.revenue for row in result.customers], "GBP")
    assert Money.sum([tier.revenue for tier in result.tiers], "GBP") == total
    assert sum((tier.revenue_share for tier in result.tiers), Decimal(0)) == pytest.approx(
        Decimal(1), abs=Decimal("0.0005"))
    # Twelve customers leave the BG/NBD maximum on the boundary: reported, not predicted.
    assert result.clv_problem is not None
    assert "did not converge" in result.clv_problem
    assert all(row.clv is None for row in result.customers)
    assert all(tier.clv is None for tier in result.tiers)
    first = result.customers[0]
    assert first.customer_id == "1000"
    assert first.returns == Money("-40.00", "GBP")
    assert first.region == "Europe"


def test_pipeline_uses_firmographics() -> None:
    table = table_from_rows(_rows())
    firms = {"1003": Firmographics("1003", staff=300, naics="423220", country="DE")}
    result = segment_customers(table, POLICY, clusters=2, firmographics=firms)
    row = next(row for row in result.customers if row.customer_id == "1003")
    assert row.size_class is SizeClass.LARGE
    assert row.sector == "Wholesale Trade"
    assert row.country_code == "DE"


def test_pipeline_rejects_policy_in_other_currency() -> None:
    with pytest.raises(InvalidInputError, match="currency"):
        segment_customers(table_from_rows(_rows()), default_tier_policy("EUR"))


def test_segment_command_writes_rows(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lines.csv"
    out = tmp_path / "customers.csv"
    _write(source, _rows())
    assert cli_main.main(["segment", str(source), "--out", str(out), "--clusters", "2"]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    assert tuple(rows[0]) == OUTPUT_COLUMNS
    assert {row["tier"] for row in rows} <= {level.name for level in POLICY.levels}
    printed = capsys.readouterr().out
    assert "tiers (policy default-1; placed by net sales, table in gross sales)" in printed
    assert "demand clusters (k=2" in printed
    assert "return: 0 lines" in printed


def test_segment_command_names_missing_column(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lines.csv"
    header = tuple(name for name in HEADER if name != "CustomerID")
    _write(source, [row[:6] + row[7:] for row in _rows()], header)
    status = cli_main.main(["segment", str(source), "--out", str(tmp_path / "out.csv")])
    assert status == 1
    assert "missing required column 'CustomerID'" in capsys.readouterr().err


def test_segment_command_column_mapping(tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    header = tuple("Customer ID" if name == "CustomerID" else name for name in HEADER)
    _write(source, _rows(), header)
    out = tmp_path / "out.csv"
    status = cli_main.main(["segment", str(source), "--out", str(out), "--clusters", "2",
                            "--column", "customer=Customer ID"])
    assert status == 0


def test_segment_command_missing_file(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    status = cli_main.main(["segment", str(tmp_path / "none.csv"), "--out",
                            str(tmp_path / "out.csv")])
    assert status == 1
    assert "not found" in capsys.readouterr().err


def test_segment_command_reads_firmographics(tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    _write(source, _rows())
    firms = tmp_path / "firms.csv"
    firms.write_text("customer_id,staff,turnover_eur,naics,status\n1002,8,900000,423220,active\n",
                     encoding="utf-8")
    out = tmp_path / "out.csv"
    status = cli_main.main(["segment", str(source), "--out", str(out), "--clusters", "2",
                            "--firmographics", str(firms)])
    assert status == 0
    with out.open(newline="", encoding="utf-8") as handle:
        row = next(row for row in csv.DictReader(handle) if row["customer_id"] == "1002")
    assert row["size_class"] == "micro"
    assert row["business_status"] == "active"


def test_facade_summary_from_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    source = tmp_path / "lines.csv"
    _write(source, _rows())
    with caplog.at_level(logging.INFO, logger="b2bcredit.segments"):
        result = summarise_transactions(source, currency="GBP", zone="Europe/London")
    assert len(result.summary) == 12
    assert result.report.lines_read == len(_rows())
    assert "loaded" in caplog.text


def test_facade_summary_needs_currency_for_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="currency"):
        summarise_transactions(tmp_path / "lines.csv")


def test_facade_segments_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="b2bcredit.segments"):
        result = segment_transactions(table_from_rows(_rows()), POLICY, clusters=2)
    assert len(result.customers) == 12
    assert "segmented 12 customers" in caplog.text


def test_facade_places_from_request() -> None:
    request = TierPlacementRequest(
        customer_id="c9", window_start=dt.date(2024, 1, 1), window_end=dt.date(2024, 4, 1),
        zone="Europe/London", revenue=Money("12000", "GBP"), clv=Money("12000", "GBP"),
        current_tier="silver", tier_since=dt.date(2023, 1, 1),
    )
    response = place_customer_request(POLICY, request)
    assert response.tier == "gold"
    assert response.reason == "upgrade"
    assert response.benefits.credit_limit_multiplier == Decimal("1.50")
    assert response.benefits == type(response.benefits).from_benefits(
        tier_benefits(POLICY, "gold"))


def test_request_needs_tier_and_since_together() -> None:
    with pytest.raises(ValidationError, match="tier_since"):
        TierPlacementRequest(
            customer_id="c9", window_start=dt.date(2024, 1, 1), window_end=dt.date(2024, 4, 1),
            zone="Europe/London", revenue=Money("1", "GBP"), current_tier="silver",
        )


def test_request_rejects_negative_overdue_days() -> None:
    with pytest.raises(ValidationError, match="days_overdue"):
        TierPlacementRequest(
            customer_id="c9", window_start=dt.date(2024, 1, 1), window_end=dt.date(2024, 4, 1),
            zone="Europe/London", revenue=Money("1", "GBP"), days_overdue=-1,
        )


@pytest.mark.realdata
def test_segment_command_on_online_retail(online_retail_path: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "customers.csv"
    status = cli_main.main(["segment", str(online_retail_path), "--out", str(out),
                            "--clusters", "4", "--no-progress", "--holdout-from", "2011-09-01"])
    assert status == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4_338
    assert all(row["clv"] for row in rows)
    printed = capsys.readouterr().out
    assert "lines without a customer (any status): 135080" in printed
    assert "'Channel Islands' (758 lines)" in printed
    assert "3317 customers from calibration" in printed


def test_policy_document_round_trips() -> None:
    document = TierPolicyModel.from_policy(POLICY).model_dump_json()
    assert TierPolicyModel.model_validate_json(document).to_policy() == POLICY


def test_segment_command_reads_policy_file(tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    _write(source, _rows())
    document = TierPolicyModel.from_policy(POLICY).model_dump(mode="json")
    document["version"] = "house-2"
    document["levels"] = document["levels"][:2]
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps(document, default=str), encoding="utf-8")
    out = tmp_path / "out.csv"
    status = cli_main.main(["segment", str(source), "--out", str(out), "--clusters", "2",
                            "--policy", str(policy_file)])
    assert status == 0
    with out.open(newline="", encoding="utf-8") as handle:
        tiers = {row["tier"] for row in csv.DictReader(handle)}
    assert tiers <= {"standard", "silver"}


def test_segment_command_rejects_bad_policy(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lines.csv"
    _write(source, _rows())
    document = TierPolicyModel.from_policy(POLICY).model_dump(mode="json")
    document["levels"][1]["stay_at"] = 0.9
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps(document, default=str), encoding="utf-8")
    status = cli_main.main(["segment", str(source), "--out", str(tmp_path / "out.csv"),
                            "--policy", str(policy_file)])
    assert status == 1
    assert "hysteresis" in capsys.readouterr().err


def test_segment_command_rejects_malformed_policy(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lines.csv"
    _write(source, _rows())
    policy_file = tmp_path / "policy.json"
    policy_file.write_text('{"version": "x"}', encoding="utf-8")
    status = cli_main.main(["segment", str(source), "--out", str(tmp_path / "out.csv"),
                            "--policy", str(policy_file)])
    assert status == 1
    assert "levels" in capsys.readouterr().err


def test_segment_command_holdout_outside_data(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lines.csv"
    _write(source, _rows())
    status = cli_main.main(["segment", str(source), "--out", str(tmp_path / "out.csv"),
                            "--clusters", "2", "--holdout-from", "2030-01-01"])
    assert status == 1
    assert "--holdout-from" in capsys.readouterr().err


def test_segment_command_applies_previous_tiers(tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    _write(source, _rows())
    first = tmp_path / "first.csv"
    assert cli_main.main(["segment", str(source), "--out", str(first), "--clusters", "2"]) == 0

    # Everyone was placed on the window's end; a second run at once is inside the
    # minimum time, so any indicated move is held.
    previous = tmp_path / "previous.csv"
    with first.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["tier"] = "platinum"
    with previous.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    second = tmp_path / "second.csv"
    assert cli_main.main(["segment", str(source), "--out", str(second), "--clusters", "2",
                          "--previous", str(previous)]) == 0
    with second.open(newline="", encoding="utf-8") as handle:
        placed = list(csv.DictReader(handle))
    assert {row["tier"] for row in placed} == {"platinum"}
    assert {row["tier_reason"] for row in placed} <= {"held_minimum_time", "no_change"}


def test_segment_command_credit_file_vetoes_upgrade(tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    _write(source, _rows())
    credit = tmp_path / "credit.csv"
    customers = [f"{1000 + index}" for index in range(12)]
    credit.write_text("customer_id,on_time_share,days_overdue,probability_of_default\n"
                      + "".join(f"{customer},0.5,60,0.01\n" for customer in customers),
                      encoding="utf-8")
    out = tmp_path / "out.csv"
    assert cli_main.main(["segment", str(source), "--out", str(out), "--clusters", "2",
                          "--credit", str(credit)]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        placed = list(csv.DictReader(handle))
    assert {row["tier"] for row in placed} == {"standard"}
    assert "initial_placement_vetoed" in {row["tier_reason"] for row in placed}


def test_segment_command_rejects_bad_credit_number(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lines.csv"
    _write(source, _rows())
    credit = tmp_path / "credit.csv"
    credit.write_text("customer_id,days_overdue\n1000,ten\n", encoding="utf-8")
    status = cli_main.main(["segment", str(source), "--out", str(tmp_path / "out.csv"),
                            "--credit", str(credit)])
    assert status == 1
    assert "line 2, column days_overdue" in capsys.readouterr().err


def test_revenue_band_goes_by_net_sales() -> None:
    """A customer who ordered 50,000 and cancelled it all is banded by the nothing it kept."""
    rows = _rows()
    rows.append(line(invoice="8", customer="2000.0", quantity="100", price="500.00"))
    rows.append(line(invoice="C8", customer="2000.0", quantity="-100", price="500.00", timestamp="2024-01-11 10:00:00"))
    result = segment_customers(table_from_rows(rows), POLICY, clusters=2)
    row = next(row for row in result.customers if row.customer_id == "2000")
    assert row.revenue == Money("50000.00", "GBP")
    assert row.returns == Money("-50000.00", "GBP")
    assert row.revenue_band == "under_1k"
