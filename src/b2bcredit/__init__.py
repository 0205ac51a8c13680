"""b2bcredit: embedded finance for B2B commerce.

Customer tiers, trade credit from underwriting to collection, and loyalty programs, with
exact money and explainable decisions. Hosts import :class:`b2bcredit.Engine`; the
building blocks live in the subpackages (``core``, ``scoring``, ``terms``, ...).
"""

import logging

from b2bcredit.core.currency import Currency, get_currency
from b2bcredit.core.money import Money, RemainderPlacement, Rounding

# A library leaves output to its host: without this handler, Python's last-resort handler
# prints the library's warnings to stderr in a script that configured no logging.
logging.getLogger("b2bcredit").addHandler(logging.NullHandler())

__all__ = ["Currency", "Money", "RemainderPlacement", "Rounding", "get_currency"]

__version__ = "0.1.0"
