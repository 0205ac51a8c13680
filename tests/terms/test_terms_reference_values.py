"""Published reference values, one table row per source, reproduced exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from b2bcredit.core.calendar import add_months
from b2bcredit.core.daycount import DayCount
from b2bcredit.core.money import Money
from b2bcredit.terms.amortization import AmortizationMethod
from b2bcredit.terms.apr import eu_aprc, regulation_z_apr
from b2bcredit.terms.cashflows import irr, xirr
from b2bcredit.terms.discount import EarlyPaymentDiscount
from b2bcredit.terms.rounding import RoundingPolicy
from b2bcredit.terms.schedule import InterestBasis, ScheduleSpec, build_schedule, check_schedule

START = date(2024, 1, 15)


def _amounts(values: str) -> list[Decimal]:
    return [Decimal(value) for value in values.split()]


def test_annuity_100_at_9_4822_percent_30_360() -> None:
    """100.00 at 9.4822 % over 6 months on 30/360: the textbook amortisation table.

    Published amortisation table of a 100.00 loan at 9.4822 % a year in six monthly
    instalments. Check: with i = 0.094822 / 12 (a 30/360 month), 100 i / (1 - (1 + i)
    ** -6) = 17.13, and each interest is the balance times i rounded to the cent.
    """
    schedule = build_schedule(ScheduleSpec(
        amount=Money("100.00", "EUR"), annual_rate="0.094822", instalments=6, start_date=START,
        interest_basis=InterestBasis.DAILY, day_count=DayCount.THIRTY_360_US,
    ))
    check_schedule(schedule)
    assert [row.payment.amount for row in schedule.instalments] == [Decimal("17.13")] * 6
    assert [row.interest.amount for row in schedule.instalments] == _amounts("0.79 0.66 0.53 0.40 0.27 0.13")
    assert [row.balance.amount for row in schedule.instalments] == _amounts("83.66 67.19 50.59 33.86 17.00 0.00")


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # Published example of 5,000.00 at 12 % over 18 months with the instalment
        # rounded to whole units. Check: 5000 x 0.01 / (1 - 1.01 ** -18) = 304.91,
        # which rounds to 305; 255.00 + 50.00 first, 300.22 + 3.00 last, interest 488.22.
        pytest.param(AmortizationMethod.ANNUITY, "annuity", id="annuity-whole-units"),
        # The same loan with equal principal. Check: 5000 / 18 = 277.78 (x 17) and
        # 5000 - 17 x 277.78 = 277.74; the rounded interest on the balances adds to 475.00.
        pytest.param(AmortizationMethod.EQUAL_PRINCIPAL, "equal_principal", id="equal-principal"),
    ],
)
def test_5000_at_12_percent_over_18_months(method: AmortizationMethod, expected: str) -> None:
    """5,000.00 at 12 % over 18 months, annuity rounded to whole units and equal principal."""
    multiple = "1" if method is AmortizationMethod.ANNUITY else None
    schedule = build_schedule(ScheduleSpec(
        amount=Money("5000.00", "EUR"), annual_rate="0.12", instalments=18, start_date=START, method=method,
        rounding=RoundingPolicy(instalment_multiple=multiple),
    ))
    check_schedule(schedule)
    rows = schedule.instalments
    if expected == "annuity":
        assert all(row.payment.amount == Decimal("305.00") for row in rows[:-1])
        assert (rows[0].principal.amount, rows[0].interest.amount) == (Decimal("255.00"), Decimal("50.00"))
        assert (rows[-1].principal.amount, rows[-1].interest.amount) == (Decimal("300.22"), Decimal("3.00"))
        assert schedule.totals.interest.amount == Decimal("488.22")
    else:
        assert all(row.principal.amount == Decimal("277.78") for row in rows[:-1])
        assert rows[-1].principal.amount == Decimal("277.74")
        assert schedule.totals.interest.amount == Decimal("475.00")


def test_flat_1000_at_12_percent_over_3_months() -> None:
    """Flat interest: 1,000.00 at 12 % flat over 3 months.

    Published flat-rate example. Check: interest 1,000.00 x 12 % x 3/12 = 30.00 spread
    evenly; 1,000.00 / 3 = 333.33 with the residual cent in the last instalment.
    """
    schedule = build_schedule(ScheduleSpec(
        amount=Money("1000.00", "EUR"), annual_rate="0.12", instalments=3, start_date=START,
        method=AmortizationMethod.FLAT,
    ))
    check_schedule(schedule)
    assert [row.principal.amount for row in schedule.instalments] == _amounts("333.33 333.33 333.34")
    assert [row.interest.amount for row in schedule.instalments] == _amounts("10.00 10.00 10.00")


@pytest.mark.parametrize(
    ("amount", "rate", "count", "payment", "last_payment", "total_interest"),
    [
        # Published table of 150,000.00 at 10 % over 36 months. Check: 150000 i /
        # (1 - (1 + i) ** -36) with i = 0.10 / 12 is 4,840.08; 4,839.99 last.
        pytest.param("150000.00", "0.10", 36, "4840.08", "4839.99", "24242.79", id="150000-at-10"),
        # Source: numpy-financial's documentation of ipmt, "What is the amortization
        # schedule for a 1 year loan of $2500 at 8.24% interest per year compounded
        # monthly?"; its float principal column, rounded to cents, sums to 2,499.99.
        pytest.param("2500.00", "0.0824", 12, "217.75", "217.72", "112.97", id="2500-at-8.24"),
    ],
)
def test_annuity_payment_tables(
    amount: str, rate: str, count: int, payment: str, last_payment: str, total_interest: str
) -> None:
    """Level payment, last payment and total interest of monthly annuities."""
    schedule = build_schedule(ScheduleSpec(
        amount=Money(amount, "EUR"), annual_rate=rate, instalments=count, start_date=START,
    ))
    check_schedule(schedule)
    rows = schedule.instalments
    assert {row.payment.amount for row in rows[:-1]} == {Decimal(payment)}
    assert rows[-1].payment.amount == Decimal(last_payment)
    assert schedule.totals.interest.amount == Decimal(total_interest)
    assert schedule.totals.principal.amount == Decimal(amount)


def test_near_zero_rate_is_principal_over_n() -> None:
    """120,000.00 over 360 months at 1e-12 a year pays 333.33 a month, no NaN or drift."""
    schedule = build_schedule(ScheduleSpec(
        amount=Money("120000.00", "EUR"), annual_rate="1e-12", instalments=360, start_date=START,
    ))
    check_schedule(schedule)
    assert schedule.instalments[0].payment.amount == Decimal("333.33")
    assert schedule.totals.interest.is_zero()


# Regulation Z, 12 CFR 1026, Appendix J, paragraph (c): examples for the actuarial method.
_REG_Z_CASES = [
    pytest.param(
        date(1978, 1, 10), "5000", [(add_months(date(1978, 2, 10), k), "230") for k in range(24)], "9.69",
        id="appendix-j-c1-i-regular",
    ),
    pytest.param(
        date(1978, 2, 10), "6000", [(add_months(date(1978, 4, 1), k), "200") for k in range(36)], "11.82",
        id="appendix-j-c1-ii-odd-first-period",
    ),
    pytest.param(
        date(1978, 1, 10), "5000",
        [(date(1978, 2, 10), "250")] + [(add_months(date(1978, 2, 10), k), "230") for k in range(1, 24)], "10.08",
        id="appendix-j-c2-odd-first-payment",
    ),
]


@pytest.mark.parametrize(("advanced_on", "advance", "payments", "apr"), _REG_Z_CASES)
def test_regulation_z_appendix_j_examples(
    advanced_on: date, advance: str, payments: list[tuple[date, str]], apr: str
) -> None:
    """The APRs of the worked examples of Regulation Z, Appendix J, to two decimals."""
    result = regulation_z_apr([(advanced_on, advance)], payments)
    assert result.percent() == Decimal(apr)


def test_eu_aprc_directive_example() -> None:
    """1,000 lent on 1994-01-01 and 1,200 repaid on 1995-07-01 is 12.96 %.

    Source: Directive 98/7/EC amending 87/102/EEC, Annex III, first example (546 days,
    a year of 365 days); the same convention is kept in Directive 2008/48/EC, Annex I.
    """
    rate = eu_aprc([(date(1994, 1, 1), "1000")], [(date(1995, 7, 1), "1200")])
    assert (rate * 100).quantize(Decimal("0.01")) == Decimal("12.96")


def test_xirr_excel_style_example() -> None:
    """XIRR of the four-flow example on Actual/365 is 0.6342972615.

    Published XIRR example (Excel's XIRR convention: years of 365 days from the first
    date); pyxirr 0.10.8 returns 0.6342972615260243 for the same flows.
    """
    dates = [date(2020, 1, 1), date(2020, 3, 1), date(2020, 10, 30), date(2021, 2, 15)]
    assert round(xirr(dates, [-10000, 5750, 4250, 3250], day_count=DayCount.ACT_365_FIXED), 10) == 0.6342972615


def test_irr_prefers_smallest_non_negative_root() -> None:
    """The series with roots -0.9998 and 1.00427 returns 1.00427.

    Source: numpy-financial GitHub issue "IRR incorrect when number of cashflows exceed
    9 and final cashflow is negative". numpy-financial 1.0.0 returned -0.99979 for
    -1678.87, 771.96, 1814.05, 3520.30, 3552.95, 3584.99, 4789.91, -1; the fixed
    version returns 1.004269848720547.
    """
    rate = irr(["-1678.87", "771.96", "1814.05", "3520.30", "3552.95", "3584.99", "4789.91", "-1"])
    assert round(rate, 5) == 1.00427


@pytest.mark.parametrize(
    ("kind", "year_days", "expected"),
    [
        # The cost of trade credit d/(1-d) x Y/(N-D), and (1 + d/(1-d)) ** (Y/(N-D)) - 1
        # compounded, for 2/10 net 30: 0.02/0.98 x 365/20 = 37.24 %.
        pytest.param("simple", 365, "37.24", id="simple-365"),
        pytest.param("simple", 360, "36.73", id="simple-360"),
        pytest.param("compounded", 365, "44.59", id="compounded-365"),
    ],
)
def test_cost_of_forgoing_2_10_net_30(kind: str, year_days: int, expected: str) -> None:
    """The implied annual cost of not taking 2/10 net 30."""
    discount = EarlyPaymentDiscount("0.02", 10)
    rate = discount.cost_simple(30, year_days) if kind == "simple" else discount.cost_compounded(30, year_days)
    assert (rate * 100).quantize(Decimal("0.01")) == Decimal(expected)
