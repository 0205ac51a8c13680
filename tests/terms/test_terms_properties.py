"""Conservation laws of schedules, rounding and rates, for any input hypothesis finds."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money, Rounding
from b2bcredit.terms.rounding import round_fraction, round_product_array
from b2bcredit.terms.schedule import ScheduleSpec, build_schedule, build_schedules, check_schedule
from tests.terms.terms_strategies import schedule_specs

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _build(spec: ScheduleSpec):  # type: ignore[no-untyped-def]
    try:
        return build_schedule(spec)
    except InvalidInputError as error:
        # Only a multiple far larger than the loan may be rejected.
        assume(error.field != "instalment_multiple")
        raise


@_SETTINGS
@given(schedule_specs())
def test_schedule_conserves_principal(spec: ScheduleSpec) -> None:
    """Exact count, principal sums to the amount, balances never negative and falling."""
    schedule = _build(spec)
    check_schedule(schedule)
    assert len(schedule.instalments) == spec.instalments
    total = Money.sum((row.principal for row in schedule.instalments), spec.currency)
    assert total == spec.amount_financed
    balances = [row.balance for row in schedule.instalments]
    assert all(not balance.is_negative() for balance in balances)
    assert all(later <= earlier for earlier, later in itertools.pairwise(balances))
    assert balances[-1].is_zero()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule_specs(), st.lists(st.integers(min_value=1, max_value=10**10), min_size=1, max_size=5))
def test_batch_rows_equal_single_schedules(spec: ScheduleSpec, cents: list[int]) -> None:
    """Every batch row has exactly the minor units of the single schedule."""
    try:
        batch = build_schedules(spec, np.array(cents, dtype=np.int64))
    except InvalidInputError as error:
        assume(error.field != "instalment_multiple")
        raise
    for index, amount in enumerate(cents):
        single = build_schedule(ScheduleSpec(**{**_fields(spec), "amount": Money.from_minor_units(amount, "EUR")}))
        assert [row.principal.minor_units for row in single.instalments] == batch.principal[index].tolist()
        assert [row.interest.minor_units for row in single.instalments] == batch.interest[index].tolist()


def _fields(spec: ScheduleSpec) -> dict[str, object]:
    import attrs

    return attrs.asdict(spec, recurse=False)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=-(10**14), max_value=10**14), min_size=1, max_size=20),
    st.fractions(min_value=Fraction(-5), max_value=Fraction(5), max_denominator=10**9),
    st.sampled_from(list(Rounding)),
)
def test_array_rounding_is_exact(values: list[int], factor: Fraction, mode: Rounding) -> None:
    """The vectorised rounding equals exact rational rounding for every element."""
    result = round_product_array(np.array(values, dtype=np.int64), factor, mode)
    expected = [round_fraction(value * factor.numerator, factor.denominator, mode) for value in values]
    assert result.tolist() == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=1, max_value=10**6),
       st.sampled_from(list(Rounding)))
def test_round_fraction_matches_decimal(numerator: int, denominator: int, mode: Rounding) -> None:
    """Integer rounding agrees with the decimal module's quantize for every mode."""
    from decimal import Decimal, localcontext

    with localcontext() as context:
        context.prec = 60
        expected = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=mode.value)
    assert round_fraction(numerator, denominator, mode) == int(expected)
