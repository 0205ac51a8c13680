"""b2bcredit: embedded finance for B2B commerce.

Customer tiers, trade credit from underwriting to collection, and loyalty programs, with
exact money and explainable decisions. Hosts import :class:`b2bcredit.Engine`; the
building blocks live in the subpackages (``core``, ``scoring``, ``terms``, ...).
"""

from b2bcredit.core.currency import Currency, get_currency
from b2bcredit.core.money import Money, RemainderPlacement, Rounding

__all__ = ["Currency", "Money", "RemainderPlacement", "Rounding", "get_currency"]

__version__ = "0.1.0"
