"""Late charges, due-date extension, and the APR and APRC beyond the published examples."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from b2bcredit.cli.main import main
from b2bcredit.core.calendar import add_months
from b2bcredit.core.daycount import DayCount
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.terms.apr import AprcTimeBasis, eu_aprc, regulation_z_apr
from b2bcredit.terms.late import LateChargePolicy, assess_late_charges, extend_schedule
from b2bcredit.terms.periods import Frequency
from b2bcredit.terms.rootfind import NoRateError
from b2bcredit.terms.schedule import ScheduleSpec, build_schedule, check_schedule

EUR = "EUR"


def _schedule():  # type: ignore[no-untyped-def]
    return build_schedule(ScheduleSpec(
        amount=Money("1200.00", EUR), annual_rate="0.12", instalments=6, start_date=date(2024, 1, 15),
    ))


class TestLateCharges:
    def test_flat_fee_and_penalty_interest(self) -> None:
        """40.00 and 8 % a year for 5 days on the unpaid second instalment."""
        schedule = _schedule()
        charges = assess_late_charges(
            schedule, date(2024, 3, 20),
            LateChargePolicy(flat_fee=Money("40.00", EUR), penalty_rate="0.08", day_count=DayCount.ACT_365_FIXED),
            paid=[schedule.instalments[0].payment],
        )
        assert [charge.number for charge in charges] == [2]
        charge = charges[0]
        assert charge.days_late == 5
        assert charge.fee == Money("40.00", EUR)
        # 207.06 x 8 % x 5/365 = 0.2269 -> 0.23
        assert charge.penalty_interest == Money("0.23", EUR)
        assert charge.total == Money("40.23", EUR)

    def test_grace_days(self) -> None:
        """Within the grace days nothing is charged."""
        schedule = _schedule()
        policy = LateChargePolicy(flat_fee=Money("10.00", EUR), grace_days=10)
        assert assess_late_charges(schedule, date(2024, 2, 25), policy) == ()
        assert len(assess_late_charges(schedule, date(2024, 2, 26), policy)) == 1

    def test_interest_after_grace_only(self) -> None:
        """Penalty interest can start when the grace days end."""
        schedule = _schedule()
        from_due = LateChargePolicy(penalty_rate="0.10", grace_days=5)
        after_grace = LateChargePolicy(penalty_rate="0.10", grace_days=5, interest_from_due_date=False)
        first = assess_late_charges(schedule, date(2024, 3, 10), from_due)[0]
        second = assess_late_charges(schedule, date(2024, 3, 10), after_grace)[0]
        assert first.penalty_interest > second.penalty_interest

    def test_percentage_fee_capped(self) -> None:
        """A 10 % fee on 207.06 is capped at 15.00."""
        charges = assess_late_charges(
            _schedule(), date(2024, 2, 20),
            LateChargePolicy(percentage_fee="0.10", fee_cap=Money("15.00", EUR)),
        )
        assert charges[0].fee == Money("15.00", EUR)

    def test_paid_instalments_bear_nothing(self) -> None:
        """Fully paid instalments are not overdue."""
        schedule = _schedule()
        paid = [row.payment for row in schedule.instalments]
        policy = LateChargePolicy(flat_fee=Money("5.00", EUR))
        assert assess_late_charges(schedule, date(2025, 1, 1), policy, paid=paid) == ()

    def test_negative_rate_rejected(self) -> None:
        """A negative penalty rate is rejected."""
        with pytest.raises(InvalidInputError, match="rate"):
            LateChargePolicy(penalty_rate="-0.01")


class TestExtension:
    def test_extension_recomputes_the_rest(self) -> None:
        """Moving instalment 3 a month later keeps 1-2 and re-amortises the rest."""
        schedule = _schedule()
        extended = extend_schedule(schedule, 3, date(2024, 5, 15))
        check_schedule(extended)
        assert extended.instalments[:2] == schedule.instalments[:2]
        assert [row.due_date for row in extended.instalments[2:]] == [
            date(2024, 5, 15), date(2024, 6, 15), date(2024, 7, 15), date(2024, 8, 15),
        ]
        assert extended.totals.interest > schedule.totals.interest
        assert extended.apr is not None

    def test_extension_from_first(self) -> None:
        """Extending the first instalment re-amortises the whole loan."""
        extended = extend_schedule(_schedule(), 1, date(2024, 3, 15))
        check_schedule(extended)
        assert extended.instalments[0].due_date == date(2024, 3, 15)

    def test_extension_must_move_later(self) -> None:
        """A new due date on or before the current one is rejected."""
        with pytest.raises(InvalidInputError, match="new_due_date"):
            extend_schedule(_schedule(), 2, date(2024, 3, 15))

    def test_extension_number_range(self) -> None:
        """The instalment number must exist."""
        with pytest.raises(InvalidInputError, match="from_instalment"):
            extend_schedule(_schedule(), 7, date(2025, 1, 1))


class TestApr:
    def test_weekly_unit_period(self) -> None:
        """A weekly loan at 10 % nominal has an APR of 10 % with a weekly unit period."""
        schedule = build_schedule(ScheduleSpec(
            amount=Money("1000.00", EUR), annual_rate="0.10", instalments=26, start_date=date(2024, 1, 1),
            frequency=Frequency.WEEKLY,
        ))
        assert schedule.apr is not None
        assert schedule.apr.periods_per_year == 52
        assert schedule.apr.percent() == Decimal("10.00")

    def test_payment_before_advance(self) -> None:
        """Payments before the first advance are rejected."""
        with pytest.raises(InvalidInputError, match="payments"):
            regulation_z_apr([(date(2024, 2, 1), "100")], [(date(2024, 1, 1), "110")])

    def test_no_payments(self) -> None:
        """An advance with no payments has no rate."""
        with pytest.raises(InvalidInputError, match="payments"):
            regulation_z_apr([(date(2024, 2, 1), "100")], [])

    def test_payments_below_advance_at_any_rate(self) -> None:
        """Payments of zero against an advance give no rate."""
        with pytest.raises(NoRateError):
            regulation_z_apr([(date(2024, 1, 1), "100")], [(date(2024, 2, 1), "0")])

    @pytest.mark.parametrize("rate", ["0", "0.05", "0.3", "1.5"])
    def test_single_advance_newton_matches_scan(self, rate: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """The one-advance Newton path gives the APR the grid scan gives."""
        from b2bcredit.terms import apr as apr_module

        schedule = build_schedule(ScheduleSpec(
            amount=Money("9876.54", EUR), annual_rate=rate, instalments=24, start_date=date(2024, 1, 31),
            upfront_fee=Money("99.00", EUR), first_due_date=date(2024, 3, 20),
        ))
        assert schedule.apr is not None
        monkeypatch.setattr(apr_module, "_single_advance_root", lambda *args: None)
        scanned = regulation_z_apr(
            [(date(2024, 1, 31), (schedule.amount_financed - schedule.upfront_fee).amount)],
            [(row.due_date, row.payment.amount) for row in schedule.instalments],
        )
        assert scanned.rate == schedule.apr.rate

    def test_multiple_advances(self) -> None:
        """Two advances and twelve payments: a construction-style loan."""
        payments = [(add_months(date(2024, 3, 1), k), "100") for k in range(12)]
        result = regulation_z_apr([(date(2024, 1, 1), "600"), (date(2024, 2, 1), "500")], payments)
        assert Decimal("0.10") < result.rate < Decimal("0.25")


class TestAprc:
    @pytest.mark.parametrize(
        ("basis", "expected"),
        [
            (AprcTimeBasis.CALENDAR_YEARS, "12.96"),
            (AprcTimeBasis.DAYS_365, "12.96"),
            # 18 equal months of 365/12 days: 1.2 ** (1/1.5) - 1.
            (AprcTimeBasis.EQUAL_MONTHS, "12.92"),
        ],
    )
    def test_time_bases(self, basis: AprcTimeBasis, expected: str) -> None:
        """The Annex I bases measure 1994-01-01 to 1995-07-01 in years differently."""
        rate = eu_aprc([(date(1994, 1, 1), "1000")], [(date(1995, 7, 1), "1200")], basis=basis)
        assert (rate * 100).quantize(Decimal("0.01")) == Decimal(expected)

    def test_leap_year_calendar_basis(self) -> None:
        """Over a year containing 29 February the calendar basis divides by 366."""
        rate = eu_aprc([(date(2024, 1, 1), "1000")], [(date(2025, 1, 1), "1100")])
        assert rate == Decimal("0.1000000000")

    def test_weeks_basis(self) -> None:
        """52 weeks make a year on the weeks basis."""
        rate = eu_aprc([(date(2024, 1, 1), "1000")], [(date(2024, 12, 30), "1100")], basis=AprcTimeBasis.WEEKS)
        assert rate == Decimal("0.1000000000")


class TestCommandLine:
    def test_terms_command(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The terms command prints due date, deadline, discounted amount and cost."""
        status = main(["terms", "2/10 net 30", "--invoice-date", "2024-03-01", "--amount", "1000.00"])
        output = capsys.readouterr().out
        assert status == 0
        assert "due date: 2024-03-31" in output
        assert "discount deadline: 2024-03-11" in output
        assert "980.00 EUR" in output
        assert "37.24 %" in output
        assert "44.59 %" in output

    def test_terms_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        """With --json the parts come as objects with string amounts."""
        main(["terms", "30/60/90", "--invoice-date", "2024-01-01", "--amount", "30000.00", "--json"])
        data = json.loads(capsys.readouterr().out)
        assert [part["amount"] for part in data["parts"]] == ["10000.00"] * 3

    def test_schedule_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The schedule command prints every row, the totals and the APR."""
        status = main(["schedule", "--amount", "2500.00", "--rate", "8.24", "--periods", "12", "--start", "2024-01-15"])
        output = capsys.readouterr().out
        assert status == 0
        assert "217.72" in output
        assert "112.97" in output
        assert "APR 8.24 %" in output

    def test_schedule_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        """With --json the schedule and totals come as JSON."""
        main([
            "schedule", "--amount", "5000.00", "--rate", "12", "--periods", "18", "--start", "2024-01-15",
            "--multiple", "1", "--json",
        ])
        data = json.loads(capsys.readouterr().out)
        assert len(data["instalments"]) == 18
        assert data["totals"]["interest"] == "488.22"

    def test_schedule_daily_day_count(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--day-count switches to daily interest under that convention."""
        main([
            "schedule", "--amount", "100.00", "--rate", "9.4822", "--periods", "6", "--start", "2024-01-15",
            "--day-count", "30/360 US", "--json",
        ])
        data = json.loads(capsys.readouterr().out)
        assert [row["interest"] for row in data["instalments"]] == ["0.79", "0.66", "0.53", "0.40", "0.27", "0.13"]

    def test_bad_terms_exit_status(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Unknown notation prints one error line and exits with 1."""
        status = main(["terms", "whenever", "--invoice-date", "2024-01-01", "--amount", "1.00"])
        assert status == 1
        assert "not a recognised terms notation" in capsys.readouterr().err
