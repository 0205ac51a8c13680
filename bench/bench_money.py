"""Money arithmetic: b2bcredit beside py-moneyed, the usual Python money type.

Two jobs a ledger does all day: build amounts from text and add them up (an invoice
total over 100,000 lines), and split an amount into instalments. py-moneyed has no
split that keeps the sum, so the split is compared with the plain-Decimal code a user
would write (divide, round, give the last part the residual).
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_EVEN, Decimal

from _timing import median_time, report
from b2bcredit.core.money import Money, RemainderPlacement


def _amounts(count: int) -> list[str]:
    generator = random.Random(20261204)
    return [f"{generator.randint(1, 10_000_000) / 100:.2f}" for _ in range(count)]


def main() -> None:
    """Print medians and ratios for summing and splitting amounts."""
    try:
        from moneyed import Money as MoneyedMoney
    except ImportError:
        print("py-moneyed is not installed (pip install -e '.[bench]'); skipping the comparison")
        return

    texts = _amounts(100_000)

    def ours_sum() -> Money:
        return Money.sum((Money(text, "EUR") for text in texts), "EUR")

    def theirs_sum() -> object:
        total = MoneyedMoney(0, "EUR")
        for text in texts:
            total = total + MoneyedMoney(text, "EUR")
        return total

    assert str(ours_sum().amount) == str(theirs_sum().amount)  # type: ignore[attr-defined]
    report("parse and add 100,000 amounts", median_time(ours_sum, 5), median_time(theirs_sum, 5), "py-moneyed")

    invoices = [Money(text, "EUR") for text in texts[:20_000]]
    decimals = [Decimal(text) for text in texts[:20_000]]

    def ours_split() -> None:
        for invoice in invoices:
            invoice.allocate(3, RemainderPlacement.LAST)

    def plain_split() -> None:
        for amount in decimals:
            part = (amount / 3).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
            _ = [part, part, amount - 2 * part]

    report("split 20,000 invoices in 3 parts", median_time(ours_split, 5), median_time(plain_split, 5), "plain Decimal")


if __name__ == "__main__":
    main()
