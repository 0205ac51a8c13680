"""Late charges on overdue instalments and due-date extensions that recompute a schedule.

Late charges
    An instalment unpaid after its due date plus the policy's grace days is overdue.
    It then bears a flat late fee, a percentage fee or both (once per instalment,
    capped), and penalty interest at an annual rate on the overdue amount. Interest runs
    from the due date, or from the end of the grace days if the policy sets that, to the
    assessment date under a named day count. Each charge is rounded once with the
    policy's mode.

Due-date extension
    :func:`extend_schedule` keeps the instalments before the first extended one, and
    rebuilds the rest on the outstanding balance: the first extended instalment falls on
    the new date, interest runs over the longer (odd) first period, and the remaining
    instalments follow at the original frequency.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

import attrs

from b2bcredit.core.daycount import DayCount, year_fraction
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding, to_decimal
from b2bcredit.terms.schedule import Instalment, OddFirstPeriod, Schedule, build_schedule, schedule_apr

__all__ = ["LateCharge", "LateChargePolicy", "assess_late_charges", "extend_schedule"]


def _optional_rate(value: object) -> Decimal | None:
    if value is None:
        return None
    rate = to_decimal(value, "rate")
    if rate < 0:
        raise InvalidInputError("rate", str(rate), "must not be negative", "Pass a rate such as '0.08'.")
    return rate


@attrs.frozen(kw_only=True)
class LateChargePolicy:
    """The charges on overdue instalments.

    Attributes:
        flat_fee: a fixed fee per overdue instalment (such as the EU's 40 EUR
            compensation for recovery costs under Directive 2011/7/EU).
        percentage_fee: a fee as a fraction of the overdue amount, once per instalment.
        fee_cap: the maximum of the two fees together per instalment.
        penalty_rate: annual penalty interest on the overdue amount.
        day_count: the day count of penalty interest.
        grace_days: days after the due date before the instalment counts as overdue.
        interest_from_due_date: True to charge penalty interest from the due date once
            the grace days have passed; False to charge it only after the grace days.
        rounding: the rounding mode of every charge.
    """

    flat_fee: Money | None = None
    percentage_fee: Decimal | None = attrs.field(default=None, converter=_optional_rate)
    fee_cap: Money | None = None
    penalty_rate: Decimal | None = attrs.field(default=None, converter=_optional_rate)
    day_count: DayCount = DayCount.ACT_365_FIXED
    grace_days: int = 0
    interest_from_due_date: bool = True
    rounding: Rounding = Rounding.HALF_EVEN

    def __attrs_post_init__(self) -> None:
        if isinstance(self.grace_days, bool) or not isinstance(self.grace_days, int) or self.grace_days < 0:
            raise InvalidInputError("grace_days", self.grace_days, "expected 0 or more days", "Pass an int.")
        for field in ("flat_fee", "fee_cap"):
            value = getattr(self, field)
            if value is not None and (not isinstance(value, Money) or value.is_negative()):
                raise InvalidInputError(field, str(value), "expected a non-negative Money amount", "Pass Money.")


@attrs.frozen
class LateCharge:
    """The charges on one overdue instalment at the assessment date."""

    number: int
    due_date: date
    overdue_amount: Money
    days_late: int
    fee: Money
    penalty_interest: Money

    @property
    def total(self) -> Money:
        """Fee plus penalty interest."""
        return self.fee + self.penalty_interest


def assess_late_charges(
    overdue: Sequence[tuple[Instalment, Money]] | Schedule,
    as_of: date,
    policy: LateChargePolicy,
    *,
    paid: Sequence[Money] | None = None,
) -> tuple[LateCharge, ...]:
    """Return the late charges of every instalment overdue on ``as_of``.

    Args:
        overdue: (instalment, amount still unpaid) pairs, or a whole schedule whose
            instalments are unpaid except for ``paid``.
        as_of: the assessment date.
        policy: the late-charge policy.
        paid: with a schedule, the amount paid against each instalment so far.
    """
    pairs = _unpaid(overdue, paid)
    charges: list[LateCharge] = []
    for instalment, unpaid in pairs:
        if not unpaid.is_positive():
            continue
        days_late = (as_of - instalment.due_date).days
        if days_late <= policy.grace_days:
            continue
        charges.append(
            LateCharge(
                number=instalment.number,
                due_date=instalment.due_date,
                overdue_amount=unpaid,
                days_late=days_late,
                fee=_fee(unpaid, policy),
                penalty_interest=_penalty(unpaid, instalment.due_date, as_of, policy),
            )
        )
    return tuple(charges)


def _unpaid(
    overdue: Sequence[tuple[Instalment, Money]] | Schedule, paid: Sequence[Money] | None
) -> list[tuple[Instalment, Money]]:
    if isinstance(overdue, Schedule):
        rows = overdue.instalments
        payments = list(paid) if paid is not None else []
        if len(payments) > len(rows):
            raise InvalidInputError("paid", len(payments), f"more payments than the {len(rows)} instalments", "Fix it.")
        payments += [Money.zero(overdue.spec.currency)] * (len(rows) - len(payments))
        return [(row, row.payment - amount) for row, amount in zip(rows, payments, strict=True)]
    if paid is not None:
        raise InvalidInputError("paid", "given", "only applies to a whole schedule", "Pass unpaid amounts instead.")
    result = []
    for pair in overdue:
        if not isinstance(pair[0], Instalment) or not isinstance(pair[1], Money):
            raise InvalidTypeError("overdue", pair, "expected (Instalment, Money) pairs", "Pass them so.")
        result.append((pair[0], pair[1]))
    return result


def _fee(unpaid: Money, policy: LateChargePolicy) -> Money:
    fee = Money.zero(unpaid.currency)
    if policy.flat_fee is not None:
        fee = fee + policy.flat_fee
    if policy.percentage_fee is not None:
        fee = fee + unpaid.multiply(policy.percentage_fee, policy.rounding)
    if policy.fee_cap is not None and fee > policy.fee_cap:
        fee = policy.fee_cap
    return fee


def _penalty(unpaid: Money, due: date, as_of: date, policy: LateChargePolicy) -> Money:
    if policy.penalty_rate is None:
        return Money.zero(unpaid.currency)
    start = due if policy.interest_from_due_date else date.fromordinal(due.toordinal() + policy.grace_days)
    fraction: Fraction = year_fraction(start, as_of, policy.day_count)
    factor = DECIMAL_CONTEXT.divide(
        DECIMAL_CONTEXT.multiply(policy.penalty_rate, Decimal(fraction.numerator)), Decimal(fraction.denominator)
    )
    return unpaid.multiply(factor, policy.rounding)


def extend_schedule(schedule: Schedule, from_instalment: int, new_due_date: date) -> Schedule:
    """Move instalment ``from_instalment`` to ``new_due_date`` and rebuild the rest.

    The instalments before it are kept unchanged. The outstanding balance after them is
    re-amortised over the same number of remaining instalments: the first on
    ``new_due_date`` with interest for the whole longer period (spread over the
    remaining instalments), the others at the original frequency after it. The result's
    APR covers the whole credit.
    """
    rows = schedule.instalments
    valid_number = isinstance(from_instalment, int) and not isinstance(from_instalment, bool)
    if not valid_number or not 1 <= from_instalment <= len(rows):
        raise InvalidInputError(
            "from_instalment", from_instalment, f"expected an instalment number from 1 to {len(rows)}", "Pass one."
        )
    current = rows[from_instalment - 1]
    if new_due_date <= current.due_date:
        raise InvalidInputError(
            "new_due_date", new_due_date.isoformat(), f"must be after the current due date {current.due_date}",
            "Pass a later date, or leave the schedule as it is.",
        )
    spec = schedule.spec
    kept = rows[: from_instalment - 1]
    accrual_start = kept[-1].due_date if kept else spec.start_date
    outstanding = kept[-1].balance if kept else schedule.amount_financed
    remaining = len(rows) - len(kept)
    grace_left = max(0, spec.interest_grace - len(kept))
    principal_grace_left = max(0, spec.interest_grace + spec.principal_grace - len(kept) - grace_left)
    rest = build_schedule(
        attrs.evolve(
            spec,
            amount=outstanding,
            instalments=remaining,
            start_date=accrual_start,
            first_due_date=new_due_date,
            odd_first_period=OddFirstPeriod.SPREAD,
            interest_grace=grace_left,
            principal_grace=principal_grace_left,
            down_payment=None,
            upfront_fee=None,
        )
    )
    renumbered = tuple(attrs.evolve(row, number=row.number + len(kept)) for row in rest.instalments)
    instalments = kept + renumbered
    currency = spec.currency
    totals = attrs.evolve(
        schedule.totals,
        payments=Money.sum((row.payment for row in instalments), currency),
        principal=Money.sum((row.principal for row in instalments), currency),
        interest=Money.sum((row.interest for row in instalments), currency),
        fees=Money.sum((row.fees for row in instalments), currency),
    )
    apr = schedule_apr(spec, instalments, schedule.upfront_fee)
    return attrs.evolve(schedule, instalments=instalments, totals=totals, apr=apr)
