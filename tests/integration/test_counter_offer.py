"""Counter-offers enforced by the account: shorter terms at checkout and authorization, and the deposit."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from b2bcredit.checkout.options import Cart
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.decisions.decision import CounterOffer, Decision
from b2bcredit.decisions.facade import Underwriter
from b2bcredit.decisions.policy import UnderwritingPolicy
from b2bcredit.engine import Engine, deposit_share
from b2bcredit.ledger.exposure import exposure
from b2bcredit.ledger.model import CreditProfile
from b2bcredit.products.eligibility import HintAction, ReasonCode


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def counter_offer(
    engine: Engine, *, limit: str, terms_days: int, deposit: str, requested_days: int = 30, binds_terms: bool = True
) -> Decision:
    """Return the sample application's decision turned into a counter-offer with these terms."""
    application = Underwriter.sample_application().model_copy(update={"requested_terms_days": requested_days})
    decision = engine.underwrite(application)
    granted = attrs.evolve(decision.granted_limit, amount=eur(limit))
    offer = CounterOffer(
        limit=eur(limit), terms_days=terms_days, deposit=eur(deposit), binds_terms=binds_terms
    )
    return attrs.evolve(decision, granted_limit=granted, counter_offer=offer)


class TestShorterTerms:
    def test_account_carries_counter_offer_terms(self, engine: Engine) -> None:
        """A 15-day counter-offer with a 20 % deposit is stored on the account's profile."""
        decision = counter_offer(engine, limit="20000.00", terms_days=15, deposit="4000.00")

        account = engine.apply_decision("open-b1", "b1", decision)

        assert account.limit == eur("20000.00")
        assert account.profile.max_terms_days == 15
        assert account.profile.deposit_share == Decimal("0.2")
        assert engine.account("b1").profile == account.profile

    def test_checkout_marks_longer_terms_unavailable(self, engine: Engine) -> None:
        """Net 30 and the instalment plans are unavailable under 15-day terms; the cheque (net 5) is not."""
        engine.apply_decision("open-b1", "b1", counter_offer(engine, limit="20000.00", terms_days=15, deposit="0.00"))

        options = engine.checkout_options("b1", Cart(eur("1000.00")))

        for product_id in ("net30", "net30_discount", "eom30", "installments_3", "installments_12_interest"):
            option = options.option(product_id)
            assert not option.available
            assert option.reason is ReasonCode.TERMS_LONGER_THAN_OFFERED
            assert option.hint is not None
            assert option.hint.action is HintAction.CHOOSE_ANOTHER_OPTION
            assert "up to 15 days" in option.hint.message
        assert options.option("cheque").available
        assert options.option("cash_on_delivery").available
        assert options.option("card").available

    def test_authorization_declines_longer_terms(self, engine: Engine) -> None:
        """Authorizing net 30 declines with the reason checkout showed, and reserves nothing."""
        engine.apply_decision("open-b1", "b1", counter_offer(engine, limit="20000.00", terms_days=15, deposit="0.00"))

        result = engine.authorize("a1", "b1", "o1", "net30", eur("1000.00"))

        assert not result.approved
        assert result.reason is ReasonCode.TERMS_LONGER_THAN_OFFERED
        assert exposure(engine.account("b1")).is_zero()

    def test_lower_limit_only_keeps_requested_terms(self, engine: Engine) -> None:
        """A counter-offer that only lowers the limit, at the requested 30 days, restricts no product."""
        decision = counter_offer(engine, limit="20000.00", terms_days=30, deposit="0.00", binds_terms=False)

        account = engine.apply_decision("open-b1", "b1", decision)

        assert account.profile.max_terms_days is None
        assert engine.checkout_options("b1", Cart(eur("1000.00"))).option("net90").available

    @pytest.mark.parametrize("requested_days", [15, 30, 60])
    def test_policy_counter_offer_caps_terms_whatever_was_requested(self, engine: Engine, requested_days: int) -> None:
        """A PD-band counter-offer limits the buyer to 30 days, or to a shorter request."""
        base = Underwriter.with_defaults()
        application = Underwriter.sample_application().model_copy(update={"requested_terms_days": requested_days})
        pd = base.underwrite(application).pd
        # Cut-offs that put this buyer's PD in the counter-offer band.
        policy = UnderwritingPolicy(approve_max_pd=pd / 2, counter_offer_max_pd=pd * 2, refer_max_pd=min(pd * 3, 1.0))
        decision = Underwriter.with_defaults(policy=policy).underwrite(application)
        assert decision.counter_offer is not None
        assert decision.counter_offer.binds_terms

        account = engine.apply_decision("open-b1", "b1", decision)

        assert account.profile.max_terms_days == min(30, requested_days)
        options = engine.checkout_options("b1", Cart(eur("1000.00")))
        assert options.option("net90").reason is ReasonCode.TERMS_LONGER_THAN_OFFERED
        assert not engine.authorize("a1", "b1", "o1", "net90", eur("1000.00")).approved

    def test_later_plain_approval_lifts_terms(self, engine: Engine) -> None:
        """A later decision without a counter-offer removes the terms limit and the deposit."""
        first = counter_offer(engine, limit="20000.00", terms_days=15, deposit="4000.00")
        engine.apply_decision("open-b1", "b1", first)

        plain = engine.underwrite(Underwriter.sample_application())
        account = engine.apply_decision("review-b1", "b1", attrs.evolve(plain, counter_offer=None))

        assert account.profile.max_terms_days is None
        assert account.profile.deposit_share == Decimal(0)


class TestDeposit:
    def open_with_deposit(self, engine: Engine, limit: str = "20000.00") -> None:
        # 60 days asked, 30 offered with a 20 % deposit: net 30 stays open and takes the deposit.
        decision = counter_offer(
            engine, limit=limit, terms_days=30, deposit=str(Decimal(limit) / 5), requested_days=60
        )
        engine.apply_decision("open-b1", "b1", decision)

    def test_checkout_shows_deposit_and_credit_part(self, engine: Engine) -> None:
        """Under a 20 % deposit, 7,500.00 on net 30 pays 1,500.00 now and reserves 6,000.00."""
        self.open_with_deposit(engine)

        options = engine.checkout_options("b1", Cart(eur("7500.00")))

        option = options.option("net30")
        assert option.available
        assert option.deposit == eur("1500.00")
        assert option.credit_needed == eur("6000.00")
        assert option.total_cost == eur("6000.00")
        assert not options.option("net60").available
        assert options.option("cash_on_delivery").deposit is None

    def test_authorization_takes_deposit_as_pay_now(self, engine: Engine) -> None:
        """Authorization reserves only the credit part and records the deposit."""
        self.open_with_deposit(engine)

        result = engine.authorize("a1", "b1", "o1", "net30", eur("7500.00"))

        assert result.approved
        authorization = result.authorization
        assert authorization is not None
        assert authorization.deposit == eur("1500.00")
        assert authorization.amount == eur("6000.00")
        assert authorization.order_amount == eur("7500.00")
        assert authorization.reserved == eur("6000.00")
        invoice = engine.capture("c1", authorization.authorization_id).invoice
        assert invoice.principal == eur("6000.00")
        engine.check_invariants("b1")

    def test_deposit_rounds_up(self, engine: Engine) -> None:
        """20 % of 100.01 is 20.002, so the deposit is 20.01 and the buyer never pays less than the share."""
        self.open_with_deposit(engine)

        result = engine.authorize("a1", "b1", "o1", "net30", eur("100.01"))

        assert result.authorization is not None
        assert result.authorization.deposit == eur("20.01")
        assert result.authorization.amount == eur("80.00")

    def test_increase_declines_with_deposit_required(self, engine: Engine) -> None:
        """An authorization whose deposit was taken cannot grow; a decrease still releases credit."""
        self.open_with_deposit(engine)
        authorization = engine.authorize("a1", "b1", "o1", "net30", eur("7500.00")).authorization
        assert authorization is not None

        increase = engine.change_amount("ch1", authorization.authorization_id, eur("7000.00"))
        decrease = engine.change_amount("ch2", authorization.authorization_id, eur("5000.00"))

        assert not increase.approved
        assert increase.reason is ReasonCode.DEPOSIT_REQUIRED
        assert increase.hint is not None
        assert increase.hint.action is HintAction.AUTHORIZE_NEW_ORDER
        assert increase.hint.amount == eur("1000.00")
        assert decrease.approved
        assert engine.account("b1").reserved == eur("5000.00")

    def test_reduce_hint_accounts_for_deposit(self, engine: Engine) -> None:
        """The reduce-by hint makes the order fit once the deposit shrinks with it."""
        self.open_with_deposit(engine, limit="5000.00")

        declined = engine.authorize("a1", "b1", "o1", "net30", eur("7500.00"))

        assert declined.reason is ReasonCode.INSUFFICIENT_CREDIT
        assert declined.hint is not None
        assert declined.hint.amount == eur("1250.00")  # 1,000.00 short / (1 - 0.2)
        fitted = engine.authorize("a2", "b1", "o1", "net30", eur("7500.00") - declined.hint.amount)
        assert fitted.approved

    def test_reopen_takes_deposit_of_whole_order(self, engine: Engine) -> None:
        """A cancelled order reopens on the whole order, deposit recomputed, not on its credit part."""
        self.open_with_deposit(engine)
        authorization = engine.authorize("a1", "b1", "o1", "net30", eur("7500.00")).authorization
        assert authorization is not None
        engine.cancel("x1", authorization.authorization_id)

        reopened = engine.reopen("r1", authorization.authorization_id)

        assert reopened.authorization is not None
        assert reopened.authorization.deposit == eur("1500.00")
        assert reopened.authorization.amount == eur("6000.00")


@pytest.mark.parametrize("amount", ["300.00", "4999.99", "12500.00", "19000.00"])
def test_options_agree_with_authorization(engine: Engine, amount: str) -> None:
    """Under 30-day terms and a 20 % deposit, each credit option authorizes exactly as checkout showed."""
    decision = counter_offer(engine, limit="15000.00", terms_days=30, deposit="3000.00", requested_days=60)
    engine.apply_decision("open-b1", "b1", decision)
    options = engine.checkout_options("b1", Cart(eur(amount)))

    for index, option in enumerate(options.options):
        if option.credit_needed is None and option.available:
            continue  # pay-now options reserve nothing and are not authorized
        authorized = engine.authorize(f"a{index}", "b1", f"o{index}", option.product_id, eur(amount))
        assert authorized.approved is option.available, option.product_id
        assert authorized.reason is option.reason, option.product_id
        if authorized.authorization is not None:
            assert authorized.authorization.reserved == option.credit_needed, option.product_id
            assert authorized.authorization.deposit == option.deposit, option.product_id
            engine.cancel(f"x{index}", authorized.authorization.authorization_id)


def test_deposit_share_from_counter_offer() -> None:
    """The decision's deposit amount becomes the share of the limit, rounded up to six decimals."""
    assert deposit_share(eur("4000.00"), eur("20000.00")) == Decimal("0.2")
    assert deposit_share(eur("100.00"), eur("300.00")) == Decimal("0.333334")
    assert deposit_share(eur("0.00"), eur("300.00")) == Decimal(0)


def test_profile_rejects_bad_deposit_share() -> None:
    """A deposit share of the whole order or more leaves nothing on credit."""
    with pytest.raises(InvalidInputError, match="deposit_share"):
        CreditProfile(deposit_share=Decimal(1))
    with pytest.raises(InvalidInputError, match="max_terms_days"):
        CreditProfile(max_terms_days=-1)
