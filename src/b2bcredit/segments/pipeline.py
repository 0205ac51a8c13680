"""The whole segmentation of a customer base, from order lines to one row per customer.

Steps: summary per customer, RFM, firmographic segment, demand clusters, BG/NBD and
Gamma-Gamma fits, CLV, and the tier placement of each customer at the end of the window.
The functions here are pure: they take a loaded :class:`TransactionTable` and return data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.core.errors import InvalidInputError, InvalidStateError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding
from b2bcredit.segments.clv import (
    BetaGeoFit,
    GammaGammaFit,
    customer_lifetime_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
)
from b2bcredit.segments.countries import Country
from b2bcredit.segments.demand import DemandClusters, cluster_customers, demand_features
from b2bcredit.segments.firmographics import (
    BusinessStatus,
    Firmographics,
    RevenueBands,
    SizeClass,
    segment_firm,
)
from b2bcredit.segments.rfm import score_rfm
from b2bcredit.segments.summary import CustomerSummary, summarise_customers
from b2bcredit.segments.tiers import (
    CreditStanding,
    TierInputs,
    TierPolicy,
    TierReason,
    TierState,
    place_in_tier,
)
from b2bcredit.segments.transactions import CleaningReport, TransactionTable, scaled_to_money
from b2bcredit.segments.windows import EvaluationWindow

__all__ = [
    "ClusterSummary",
    "CustomerSegment",
    "SegmentationResult",
    "TierSummary",
    "segment_customers",
]

_EPOCH: Final = dt.date(1970, 1, 1)
_DAYS_PER_MONTH: Final = 30.0
_NO_CREDIT_DATA: Final = CreditStanding()


@attrs.frozen(slots=True)
class CustomerSegment:
    """Everything the segmentation found about one customer."""

    customer_id: str
    country_code: str | None
    country: str  # the name as the file wrote it ("" when absent)
    region: str
    size_class: SizeClass
    sector: str | None
    business_status: BusinessStatus
    revenue_band: str
    revenue: Money  # sales in the window, exact
    returns: Money  # returns and cancellations in the window, exact, negative or zero
    recency_days: int
    invoices: int
    rfm_code: str
    rfm_segment: str
    cluster: int
    # Purchase days expected over the CLV horizon; None when the BG/NBD fit failed.
    expected_purchases: float | None
    probability_alive: float | None
    clv: Money | None  # None when either fit cannot predict (see clv_problem)
    tier: str
    tier_reason: TierReason
    tier_explanation: str
    tier_since: dt.date  # the first day of the tier, for the next evaluation's hysteresis


@attrs.frozen(slots=True)
class TierSummary:
    """Customers, revenue and CLV of one tier."""

    tier: str
    customers: int
    revenue: Money
    revenue_share: Decimal  # of all customers' revenue, 4 decimal places
    clv: Money | None


@attrs.frozen(slots=True)
class ClusterSummary:
    """Customers and revenue of one demand cluster, with its profile in words."""

    cluster: int
    customers: int
    revenue: Money
    description: str


@attrs.frozen(slots=True, eq=False)
class SegmentationResult:
    """The rows per customer and the summaries, fits and reports behind them."""

    customers: tuple[CustomerSegment, ...]
    tiers: tuple[TierSummary, ...]
    clusters: tuple[ClusterSummary, ...]
    report: CleaningReport
    summary: CustomerSummary
    window: EvaluationWindow
    # None when the fit was not run (CLV switched off) or the data cannot support it.
    bgnbd: BetaGeoFit | None
    gamma_gamma: GammaGammaFit | None
    demand: DemandClusters
    policy_version: str
    # The reason CLV is missing for every customer (switched off, too few repeat buyers,
    # a BG/NBD fit that did not converge or cannot predict, a Gamma-Gamma q ≤ 1), or None.
    clv_problem: str | None
    # Customers of the file without a row: those with no sale line at all (only
    # cancellations, returns, adjustments or zero-price lines), and those whose sales
    # all fall outside the window.
    customers_without_sale: int = 0
    customers_outside_window: int = 0

    def left_out_lines(self) -> list[str]:
        """Return one line per group of customers in the file that got no row, with why."""
        lines = []
        if self.customers_without_sale:
            lines.append(f"{self.customers_without_sale} customers left out: no sale line, only "
                         "cancellations, returns, adjustments or zero-price lines")
        if self.customers_outside_window:
            lines.append(f"{self.customers_outside_window} customers left out: every sale falls "
                         f"outside the evaluation window {self.window}")
        return lines


@attrs.frozen(slots=True)
class _ClvPrediction:
    bgnbd: BetaGeoFit | None
    gamma_gamma: GammaGammaFit | None
    purchases: npt.NDArray[np.float64] | None
    alive: npt.NDArray[np.float64] | None
    clv: npt.NDArray[np.float64] | None
    problem: str | None


def _day(days_since_epoch: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=days_since_epoch)


def _to_money(value: float, currency: str) -> Money:
    # CLV is a statistical estimate; it becomes money here, rounded half-even to the cent.
    return Money(Decimal(value), currency, rounding=Rounding.HALF_EVEN)


def segment_customers(
    table: TransactionTable,
    policy: TierPolicy,
    *,
    window: EvaluationWindow | None = None,
    firmographics: Mapping[str, Firmographics] | None = None,
    clusters: int | None = None,
    seed: int = 20_111_209,
    clv_months: int = 12,
    monthly_discount_rate: float = 0.01,
    current_tiers: Mapping[str, TierState] | None = None,
    credit: Mapping[str, CreditStanding] | None = None,
    on_step: Callable[[str], None] | None = None,
    predict_clv: bool = True,
) -> SegmentationResult:
    """Segment every customer with a sale in the window and place each in a tier.

    Args:
        table: the order lines.
        policy: the tier policy; its currency must be the table's.
        window: the evaluation window; by default from the first sale's day to the day
            after the last sale, in the table's zone.
        firmographics: what is known about each customer, by customer id.
        clusters: the number of demand clusters, or None to choose by silhouette.
        seed: the k-means seed.
        clv_months, monthly_discount_rate: the CLV horizon and discounting.
        current_tiers: each customer's tier before this evaluation, for hysteresis.
        credit: each customer's payment behaviour and credit risk, for the performance
            score and the vetoes; customers without an entry have no payment data.
        on_step: called with the name of each step as it starts, for progress display.
        predict_clv: False skips the BG/NBD and Gamma-Gamma fits; CLV is then None.

    Data too small for the CLV models (fewer than two repeat buyers, a boundary fit)
    does not raise. Every other column is filled, CLV is None and ``clv_problem`` gives the reason.
    """
    def step(name: str) -> None:
        if on_step is not None:
            on_step(name)

    if policy.currency != table.currency:
        raise InvalidInputError("policy", policy.currency,
                                f"the policy's currency differs from the table's {table.currency}",
                                "Use a policy in the currency of the transactions.")
    firmographics = firmographics or {}
    current_tiers = current_tiers or {}
    credit = credit or {}

    step("summary")
    if window is None:
        sale_days = table.local_day[table.sales_mask()]
        if sale_days.size == 0:
            raise InvalidInputError("table", len(table), "no sale lines",
                                    "Check the cleaning report for what the lines were.")
        window = EvaluationWindow(_day(int(sale_days.min())), _day(int(sale_days.max()) + 1),
                                  table.zone)
    summary = summarise_customers(table, window)
    sale_customers = table.customer[table.sales_mask()]
    with_sale = int(np.unique(sale_customers[sale_customers >= 0]).size)
    previous = _previous_revenue(table, window, summary)

    step("rfm")
    rfm = score_rfm(summary)

    step("demand clusters")
    demand = cluster_customers(demand_features(table, summary), k=clusters, seed=seed)

    prediction = _predict_clv(summary, clv_months, monthly_discount_rate, step, predict_clv)
    purchases, alive, clv_values = prediction.purchases, prediction.alive, prediction.clv
    clv_problem = prediction.problem

    step("tiers")
    currency = table.currency
    bands = RevenueBands.default(currency)
    rows: list[CustomerSegment] = []
    for index, customer_id in enumerate(summary.customer_ids):
        revenue = summary.revenue_money(index)
        returns = scaled_to_money(int(summary.returns[index]), currency)
        # Tiers weigh what the customer kept: sales less returns and cancellations.
        net_revenue = max(revenue + returns, Money.zero(currency))
        clv = None if clv_values is None else _to_money(float(clv_values[index]), currency)
        firm = firmographics.get(customer_id, Firmographics(customer_id))
        country_code = int(table.customer_country[summary.table_index[index]])
        country_text = table.country_names[country_code] if country_code >= 0 else ""
        if firm.country is None and country_text:
            firm = attrs.evolve(firm, country=country_text)
        # Bands, like tiers, go by what the customer kept.
        segment = segment_firm(firm, revenue=net_revenue, bands=bands)
        standing = credit.get(customer_id, _NO_CREDIT_DATA)
        inputs = TierInputs(
            customer_id=customer_id,
            window=window,
            revenue=net_revenue,
            clv=clv,
            previous_revenue=None if previous is None else scaled_to_money(
                int(previous[index]), currency),
            size_class=segment.size_class,
            on_time_share=standing.on_time_share,
            days_overdue=standing.days_overdue,
            probability_of_default=standing.probability_of_default,
        )
        current = current_tiers.get(customer_id)
        decision = place_in_tier(policy, inputs, current)
        state = decision.state(current)
        country: Country | None = segment.country
        rows.append(CustomerSegment(
            customer_id=customer_id,
            country_code=None if country is None else country.code,
            country=country_text,
            region=segment.region,
            size_class=segment.size_class,
            sector=None if segment.sector is None else segment.sector.title,
            business_status=segment.status,
            revenue_band=segment.revenue_band or "",
            revenue=revenue,
            returns=returns,
            recency_days=int(rfm.recency_days[index]),
            invoices=int(summary.invoices[index]),
            rfm_code=rfm.score_code(index),
            rfm_segment=rfm.segments[index].value,
            cluster=int(demand.labels[index]),
            expected_purchases=None if purchases is None else float(purchases[index]),
            probability_alive=None if alive is None else float(alive[index]),
            clv=clv,
            tier=decision.tier,
            tier_reason=decision.reason,
            tier_explanation=decision.explanation,
            tier_since=state.since,
        ))

    return SegmentationResult(
        customers=tuple(rows),
        tiers=_tier_summaries(rows, policy, summary, clv_problem is None),
        clusters=_cluster_summaries(rows, demand, summary),
        report=table.report,
        summary=summary,
        window=window,
        bgnbd=prediction.bgnbd,
        gamma_gamma=prediction.gamma_gamma,
        demand=demand,
        policy_version=policy.version,
        clv_problem=clv_problem,
        customers_without_sale=table.report.customers - with_sale,
        customers_outside_window=with_sale - len(summary.customer_ids),
    )


def _predict_clv(
    summary: CustomerSummary, clv_months: int, monthly_discount_rate: float,
    step: Callable[[str], None], predict: bool,
) -> _ClvPrediction:
    """Fit BG/NBD and Gamma-Gamma and predict; report why instead of raising when the data is too small."""
    if not predict:
        return _ClvPrediction(None, None, None, None, None, "switched off (--no-clv or predict_clv=False)")
    repeat_buyers = int(np.count_nonzero(summary.frequency > 0))
    if repeat_buyers < 2:
        # Without repeat purchases neither model has anything to fit.
        return _ClvPrediction(None, None, None, None, None,
                              f"the CLV models need at least two customers with repeat purchases, "
                              f"found {repeat_buyers}; use a longer window or more customers")
    step("bg/nbd fit")
    bgnbd = fit_bgnbd(summary.frequency, summary.recency, summary.T)
    step("gamma-gamma fit")
    try:
        gamma_gamma = fit_gamma_gamma(summary.frequency, summary.monetary_value)
    except InvalidInputError as error:
        # Only "fewer than two repeat buyers" gets here: the arrays come from the summary.
        return _ClvPrediction(bgnbd, None, None, None, None,
                              f"the Gamma-Gamma model needs repeat buyers: {error.problem} "
                              f"(found {error.value}); use a longer window or more customers")

    step("clv")
    if not bgnbd.converged:
        # Few customers can put the maximum on the boundary (no dropout, infinite α):
        # report it instead of predicting from parameters the data does not pin down.
        return _ClvPrediction(bgnbd, gamma_gamma, None, None, None,
                              f"the BG/NBD fit did not converge ({bgnbd.message}) on "
                              f"{bgnbd.n_customers} customers; fit on more customers or a longer window")
    horizon = clv_months * _DAYS_PER_MONTH
    try:
        purchases = expected_purchases(bgnbd.params, horizon, summary.frequency,
                                       summary.recency, summary.T)
        alive = probability_alive(bgnbd.params, summary.frequency, summary.recency, summary.T)
    except InvalidStateError:
        # A fit can converge to near-boundary parameters (a and b near zero) on a few
        # weeks of data, where the hypergeometric term cannot be evaluated.
        return _ClvPrediction(bgnbd, gamma_gamma, None, None, None,
                              f"the BG/NBD fit on {bgnbd.n_customers} customers ended at boundary "
                              f"parameters (a={bgnbd.params.a:.3g}, b={bgnbd.params.b:.3g}) that "
                              "cannot predict purchases; use a longer window or more customers")
    if gamma_gamma.problem is not None:
        return _ClvPrediction(bgnbd, gamma_gamma, purchases, alive, None, gamma_gamma.problem)
    clv_values = customer_lifetime_value(
        bgnbd.params, gamma_gamma.params, summary.frequency, summary.recency, summary.T,
        summary.monetary_value, months=clv_months,
        monthly_discount_rate=monthly_discount_rate,
    )
    return _ClvPrediction(bgnbd, gamma_gamma, purchases, alive, clv_values, None)


def _previous_revenue(
    table: TransactionTable, window: EvaluationWindow, summary: CustomerSummary
) -> npt.NDArray[np.int64] | None:
    """Return each customer's sales in the window before, or None if the data starts later.

    Growth needs the whole previous window: when the first line of the table falls after
    its start, revenue there is unknown rather than zero.
    """
    length = window.days()
    previous = EvaluationWindow(window.start - dt.timedelta(days=length), window.start,
                                window.zone)
    start, end = previous.bounds_in_seconds()
    if len(table) == 0 or int(table.instant.min()) > start:
        return None
    mask = table.sales_mask() & (table.instant >= start) & (table.instant < end)
    totals = np.zeros(len(table.customer_ids), dtype=np.int64)
    lines = np.flatnonzero(mask)
    np.add.at(totals, table.customer[lines], table.quantity[lines] * table.price[lines])
    return totals[summary.table_index]


def _tier_summaries(
    rows: list[CustomerSegment], policy: TierPolicy, summary: CustomerSummary,
    with_clv: bool,
) -> tuple[TierSummary, ...]:
    currency = summary.currency
    total = summary.total_revenue()
    result = []
    for level in policy.levels:
        members = [row for row in rows if row.tier == level.name]
        revenue = Money.sum([row.revenue for row in members], currency)
        share = (DECIMAL_CONTEXT.divide(revenue.amount, total.amount).quantize(Decimal("0.0001"))
                 if total.amount else Decimal(0))
        clvs = [row.clv for row in members if row.clv is not None]
        clv = Money.sum(clvs, currency) if with_clv else None
        result.append(TierSummary(level.name, len(members), revenue, share, clv))
    return tuple(result)


def _cluster_summaries(
    rows: list[CustomerSegment], demand: DemandClusters, summary: CustomerSummary
) -> tuple[ClusterSummary, ...]:
    result = []
    for profile in demand.profiles:
        members = [row for row in rows if row.cluster == profile.label]
        revenue = Money.sum([row.revenue for row in members], summary.currency)
        result.append(ClusterSummary(profile.label, len(members), revenue, profile.describe()))
    return tuple(result)
