"""Trade terms: notation, due dates by anchor and kind, business days, splits, discounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import Money, RemainderPlacement
from b2bcredit.terms.discount import EarlyPaymentDiscount, discount_position
from b2bcredit.terms.trade import TermsAnchor, TermsDates, TermsKind, TradeTerms

EUR = "EUR"
WEEKDAYS = BusinessCalendar()


class TestNotation:
    @pytest.mark.parametrize(
        ("text", "kind", "days", "formatted"),
        [
            ("net 30", TermsKind.NET, 30, "net 30"),
            ("N/30", TermsKind.NET, 30, "net 30"),
            ("2/10 net 30", TermsKind.NET, 30, "2/10 net 30"),
            ("2/10, n/30", TermsKind.NET, 30, "2/10 net 30"),
            ("1.5/10 net 45", TermsKind.NET, 45, "1.5/10 net 45"),
            ("net 30 EOM", TermsKind.END_OF_MONTH, 30, "net 30 EOM"),
            ("2/10 EOM net 30", TermsKind.END_OF_MONTH, 30, "2/10 EOM net 30"),
            ("EOM", TermsKind.END_OF_MONTH, 0, "EOM"),
            ("10th prox", TermsKind.PROXIMO, 10, "10th prox"),
            ("1 proximo", TermsKind.PROXIMO, 1, "1st prox"),
            ("due on receipt", TermsKind.ON_RECEIPT, 0, "due on receipt"),
            ("CIA", TermsKind.CASH_IN_ADVANCE, 0, "cash in advance"),
            ("30/60/90", TermsKind.SPLIT, 0, "30/60/90"),
        ],
    )
    def test_parse_and_format(self, text: str, kind: TermsKind, days: int, formatted: str) -> None:
        """Each notation parses to its kind and formats back in canonical form."""
        terms = TradeTerms.parse(text)
        assert terms.kind is kind
        assert terms.days == days
        assert str(terms) == formatted
        assert TradeTerms.parse(str(terms)) == terms

    def test_unknown_notation(self) -> None:
        """Unrecognised text names the accepted forms."""
        with pytest.raises(InvalidInputError, match="net 30"):
            TradeTerms.parse("pay whenever")

    def test_discount_must_end_before_net(self) -> None:
        """A discount period as long as the net period is rejected."""
        with pytest.raises(InvalidInputError, match="discount"):
            TradeTerms.parse("2/30 net 30")

    def test_discount_rate_bounds(self) -> None:
        """A discount of 100 % or more is rejected."""
        with pytest.raises(InvalidInputError, match="discount_rate"):
            EarlyPaymentDiscount("1", 10)

    def test_not_text(self) -> None:
        """Parsing needs text."""
        with pytest.raises(InvalidTypeError):
            TradeTerms.parse(30)  # type: ignore[arg-type]


class TestDueDates:
    def test_net_from_each_anchor(self) -> None:
        """Net 30 counts from the invoice, shipment or order date as asked."""
        sale = TermsDates(invoice_date=date(2024, 3, 5), shipment_date=date(2024, 3, 8), order_date=date(2024, 3, 1))
        assert TradeTerms.parse("net 30").due_date(sale) == date(2024, 4, 4)
        assert TradeTerms.parse("net 30", anchor=TermsAnchor.SHIPMENT_DATE).due_date(sale) == date(2024, 4, 7)
        assert TradeTerms.parse("net 30", anchor=TermsAnchor.ORDER_DATE).due_date(sale) == date(2024, 3, 31)

    def test_missing_anchor_date(self) -> None:
        """Terms from the shipment date need one."""
        with pytest.raises(InvalidInputError, match="shipment_date"):
            TradeTerms.parse("net 30", anchor=TermsAnchor.SHIPMENT_DATE).due_date(date(2024, 3, 5))

    def test_end_of_month(self) -> None:
        """Net 30 EOM from 5 March is 30 days after 31 March."""
        assert TradeTerms.parse("net 30 EOM").due_date(date(2024, 3, 5)) == date(2024, 4, 30)
        assert TradeTerms.parse("EOM").due_date(date(2024, 2, 5)) == date(2024, 2, 29)

    def test_month_cutoff(self) -> None:
        """With a 25th cut-off an invoice of 27 March counts as April's."""
        terms = TradeTerms.parse("EOM", month_cutoff_day=25)
        assert terms.due_date(date(2024, 3, 27)) == date(2024, 4, 30)
        assert terms.due_date(date(2024, 3, 25)) == date(2024, 3, 31)

    def test_proximo_clips_to_month_end(self) -> None:
        """31st prox from January falls on the last day of February."""
        assert TradeTerms.parse("31st prox").due_date(date(2024, 1, 10)) == date(2024, 2, 29)
        assert TradeTerms.parse("10th prox").due_date(date(2024, 12, 20)) == date(2025, 1, 10)

    def test_receipt_and_advance(self) -> None:
        """On receipt is due on the invoice date; cash in advance on the order date."""
        sale = TermsDates(invoice_date=date(2024, 3, 5), order_date=date(2024, 3, 1))
        assert TradeTerms.parse("due on receipt").due_date(sale) == date(2024, 3, 5)
        assert TradeTerms.parse("CIA").due_date(sale) == date(2024, 3, 1)


class TestBusinessDays:
    def test_roll_needs_calendar(self) -> None:
        """A term asking for a roll without a calendar is an error."""
        with pytest.raises(InvalidInputError, match="calendar"):
            TradeTerms.parse("net 30", business_day_convention=BusinessDayConvention.FOLLOWING)

    def test_following_and_preceding(self) -> None:
        """Net 30 from 2 August 2024 falls on Sunday 1 September: later or earlier."""
        later = TradeTerms.parse("net 30", business_day_convention=BusinessDayConvention.FOLLOWING, calendar=WEEKDAYS)
        earlier = TradeTerms.parse(
            "net 30", business_day_convention=BusinessDayConvention.PRECEDING, calendar=WEEKDAYS
        )
        assert later.due_date(date(2024, 8, 2)) == date(2024, 9, 2)
        assert earlier.due_date(date(2024, 8, 2)) == date(2024, 8, 30)

    def test_end_of_month_intent_kept(self) -> None:
        """An EOM due date on a Saturday rolls back within its month, not into the next."""
        terms = TradeTerms.parse("EOM", business_day_convention=BusinessDayConvention.FOLLOWING, calendar=WEEKDAYS)
        assert terms.due_date(date(2024, 8, 10)) == date(2024, 8, 30)

    def test_holiday_calendar(self) -> None:
        """A listed holiday is skipped like a weekend."""
        calendar = BusinessCalendar(holidays=frozenset({date(2024, 4, 4)}))
        terms = TradeTerms.parse("net 30", business_day_convention=BusinessDayConvention.FOLLOWING, calendar=calendar)
        assert terms.due_date(date(2024, 3, 5)) == date(2024, 4, 5)

    def test_split_parts_never_collapse(self) -> None:
        """Parts due on Sunday and Monday do not both land on Monday."""
        terms = TradeTerms.parse("30/31", business_day_convention=BusinessDayConvention.FOLLOWING, calendar=WEEKDAYS)
        assert terms.due_dates(date(2024, 8, 2)) == [date(2024, 9, 2), date(2024, 9, 3)]


class TestSplit:
    def test_equal_parts(self) -> None:
        """30,000.00 in three equal parts is 10,000.00 each."""
        quote = TradeTerms.parse("30/60/90").quote(Money("30000.00", EUR), date(2024, 1, 1))
        assert [part.amount for part in quote.parts] == [Money("10000.00", EUR)] * 3
        assert [part.due_date for part in quote.parts] == [date(2024, 1, 31), date(2024, 3, 1), date(2024, 3, 31)]

    def test_uneven_parts_sum_to_whole(self) -> None:
        """100.00 in three parts puts the left-over cent where the terms name."""
        last = TradeTerms.parse("30/60/90").quote(Money("100.00", EUR), date(2024, 1, 1))
        first = TradeTerms.parse("30/60/90", split_remainder=RemainderPlacement.FIRST).quote(
            Money("100.00", EUR), date(2024, 1, 1)
        )
        assert [part.amount.amount for part in last.parts] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
        assert [part.amount.amount for part in first.parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]

    def test_weighted_parts(self) -> None:
        """Weights 1, 2 split 300.00 into 100.00 and 200.00."""
        terms = TradeTerms.parse("30/60", split_weights=(Decimal(1), Decimal(2)))
        assert [part.amount for part in terms.quote(Money("300.00", EUR), date(2024, 1, 1)).parts] == [
            Money("100.00", EUR), Money("200.00", EUR),
        ]

    def test_days_must_increase(self) -> None:
        """Split days out of order are rejected."""
        with pytest.raises(InvalidInputError, match="split_days"):
            TradeTerms.parse("60/30")


class TestDiscount:
    def test_quote(self) -> None:
        """2/10 net 30 on 1,000.00: deadline, early price and costs."""
        quote = TradeTerms.parse("2/10 net 30").quote(Money("1000.00", EUR), date(2024, 3, 1))
        assert quote.due_date == date(2024, 3, 31)
        assert quote.discount_deadline == date(2024, 3, 11)
        assert quote.discounted_amount == Money("980.00", EUR)
        assert quote.discount_amount == Money("20.00", EUR)
        assert quote.cost_simple is not None
        assert (quote.cost_simple * 100).quantize(Decimal("0.01")) == Decimal("37.24")

    def test_eom_discount_counts_from_month_end(self) -> None:
        """2/10 EOM net 30: the discount runs to the 10th of the next month."""
        quote = TradeTerms.parse("2/10 EOM net 30").quote(Money("500.00", EUR), date(2024, 3, 5))
        assert quote.discount_deadline == date(2024, 4, 10)
        assert quote.due_date == date(2024, 4, 30)

    def test_partial_payment_is_prorated(self) -> None:
        """After 500.00 within the period, the early price of the rest is 480.00."""
        position = discount_position(
            Money("1000.00", EUR), EarlyPaymentDiscount("0.02", 10), date(2024, 3, 11),
            [(date(2024, 3, 5), Money("500.00", EUR))],
        )
        assert position.early_price_outstanding == Money("480.00", EUR)
        assert position.face_outstanding == Money("489.80", EUR)
        assert position.discount_earned == Money("10.20", EUR)

    def test_rest_paid_late_pays_face(self) -> None:
        """After the deadline the rest is owed at face value and the early price is gone."""
        position = discount_position(
            Money("1000.00", EUR), EarlyPaymentDiscount("0.02", 10), date(2024, 3, 11),
            [(date(2024, 3, 5), Money("500.00", EUR)), (date(2024, 3, 20), Money("489.80", EUR))],
        )
        assert position.face_outstanding.is_zero()
        assert position.early_price_outstanding is None
        assert position.discount_earned == Money("10.20", EUR)

    def test_overpayment_is_reported(self) -> None:
        """Paying 1,000.00 within the period overpays by the 20.00 discount."""
        position = discount_position(
            Money("1000.00", EUR), EarlyPaymentDiscount("0.02", 10), date(2024, 3, 11),
            [(date(2024, 3, 5), Money("1000.00", EUR))],
        )
        assert position.overpaid == Money("20.00", EUR)
        assert position.discount_earned == Money("20.00", EUR)

    def test_payments_out_of_order(self) -> None:
        """Payments must come in date order."""
        with pytest.raises(InvalidInputError, match="payments"):
            discount_position(
                Money("1000.00", EUR), EarlyPaymentDiscount("0.02", 10), date(2024, 3, 11),
                [(date(2024, 3, 5), Money("1.00", EUR)), (date(2024, 3, 1), Money("1.00", EUR))],
            )

    def test_cost_needs_longer_net_period(self) -> None:
        """The cost is undefined when the net period does not exceed the discount period."""
        with pytest.raises(InvalidInputError, match="net_days"):
            EarlyPaymentDiscount("0.02", 10).cost_simple(10)

    def test_cost_year_basis(self) -> None:
        """Only 365- and 360-day years are offered."""
        with pytest.raises(InvalidInputError, match="year_days"):
            EarlyPaymentDiscount("0.02", 10).cost_simple(30, 364)
