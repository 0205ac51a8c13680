"""Terms and schedules on public data: IBM receivables (net 30) and SBA 7(a) loans."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pytest

from b2bcredit.core.money import Money
from b2bcredit.terms.schedule import ScheduleSpec, build_schedule, build_schedules, check_schedule
from b2bcredit.terms.trade import TradeTerms

pytestmark = pytest.mark.realdata


def _us_date(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def test_ibm_receivables_are_net_30(data_file: Callable[[str], Path]) -> None:
    """Every invoice's due date is net 30 from its invoice date; days late agree."""
    path = data_file("ibm_accounts_receivable/WA_Fn-UseC_-Accounts-Receivable.csv")
    terms = TradeTerms.parse("net 30")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2466
    for row in rows:
        due = terms.due_date(_us_date(row["InvoiceDate"]))
        assert due == _us_date(row["DueDate"]), row["invoiceNumber"]
        late = max(0, (_us_date(row["SettledDate"]) - due).days)
        assert late == int(row["DaysLate"]), row["invoiceNumber"]


def test_sba_loans_schedules_conserve_principal(data_file: Callable[[str], Path]) -> None:
    """Schedules for all SBA loans at their terms: invariants hold, batch equals single."""
    path = data_file("sba_loans_case/SBAcase.11.13.17.csv")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        loans = [(int(Decimal(row["GrAppv"]) * 100), int(row["Term"])) for row in csv.DictReader(handle)]
    assert len(loans) == 2102
    by_term: dict[int, list[int]] = {}
    for cents, term in loans:
        if term > 0:
            by_term.setdefault(term, []).append(cents)
    for term, amounts in by_term.items():
        spec = ScheduleSpec(amount=Money("1.00", "USD"), annual_rate="0.0675", instalments=term,
                            start_date=date(2005, 1, 31))
        batch = build_schedules(spec, np.array(amounts, dtype=np.int64))
        assert (batch.principal.sum(axis=1) == batch.amounts_financed).all()
        assert (batch.balance >= 0).all()
        assert (np.diff(batch.balance, axis=1) <= 0).all()
        single = build_schedule(attrs.evolve(spec, amount=Money.from_minor_units(amounts[0], "USD")))
        check_schedule(single)
        assert [row.interest.minor_units for row in single.instalments] == batch.interest[0].tolist()
