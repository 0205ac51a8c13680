"""The clock the ledger reads: an injected object with ``now()`` returning an aware datetime.

TODO: switch to ``b2bcredit.core.clock`` (same protocol) once it is in main.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime:
        """Return the current instant as a time-zone-aware datetime."""
        ...


class SystemClock:
    """The operating system's clock, in UTC."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)
