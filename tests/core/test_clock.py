"""The injected clock and local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from b2bcredit.core.clock import Clock, FixedClock, SystemClock, local_date, resolve_time_zone
from b2bcredit.core.errors import InvalidInputError


def test_fixed_clock_advances() -> None:
    clock = FixedClock(datetime(2026, 1, 31, 23, 0, tzinfo=UTC))
    clock.advance(timedelta(hours=2))
    assert clock.now() == datetime(2026, 2, 1, 1, 0, tzinfo=UTC)
    assert isinstance(clock, Clock)


def test_system_clock_is_aware() -> None:
    assert SystemClock().now().tzinfo is not None


def test_naive_instant_rejected() -> None:
    with pytest.raises(InvalidInputError, match="time zone"):
        FixedClock(datetime(2026, 1, 1))


def test_local_date_uses_tenant_zone() -> None:
    instant = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    assert local_date(instant, "Europe/Berlin") == date(2026, 4, 1)
    assert local_date(instant, "America/New_York") == date(2026, 3, 31)


def test_unknown_zone_rejected() -> None:
    with pytest.raises(InvalidInputError, match="Mars/Olympus"):
        resolve_time_zone("Mars/Olympus")
