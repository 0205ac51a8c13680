"""BG/NBD, Gamma-Gamma and CLV: reference fits, input checks and properties."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError, InvalidStateError
from b2bcredit.segments.clv import (
    BetaGeoParams,
    GammaGammaParams,
    NonPositiveMonetaryValueWarning,
    _bgnbd_terms,
    _BgnbdData,
    bgnbd_log_likelihood,
    check_bgnbd_inputs,
    customer_lifetime_value,
    expected_average_value,
    expected_purchases,
    expected_purchases_new_customer,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
    probability_alive,
)
from b2bcredit.segments.summary import CustomerSummary

# Reference fits on the Online Retail summary. It counts sale lines only (a known
# customer, positive quantity and price, no "C" invoice), one purchase per customer and
# day, and the period ends on the day of the last sale, 2011-12-09. The values were
# obtained with lifetimes 0.11.3 on Python 3.11.7, pandas 3.1.1, numpy 2.4.6, scipy 1.17.1:
#   s = summary_data_from_transaction_data(sales, "CustomerID", "InvoiceDate",
#                                          monetary_value_col="Revenue", freq="D")
#   bg = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
#   gg = GammaGammaFitter().fit(s.frequency[s.frequency > 0],
#                               s.monetary_value[s.frequency > 0])
# lifetimes' summary equals b2bcredit's customer by customer (monetary value within
# 2e-12). Its fitters rescale time internally and report the mean negative
# log-likelihood on that scale (BG/NBD: -2.709114940966039, Gamma-Gamma:
# 6.8399034587014675); the totals below are lifetimes' own objective
# (BetaGeoFitter._negative_log_likelihood, GammaGammaFitter._negative_log_likelihood)
# evaluated at its fitted parameters on the summary in days, times the number of
# customers.
LIFETIMES_BGNBD = {"r": 0.8265419120832737, "alpha": 68.90512058575432,
                   "a": 0.0034373779003729348, "b": 6.7451162035250105}
LIFETIMES_BGNBD_LOG_LIKELIHOOD = -61823.471250163726
LIFETIMES_GAMMA_GAMMA = {"p": 2.1033820144183637, "q": 3.451178958611463,
                         "v": 485.8885945759667}
LIFETIMES_GAMMA_GAMMA_LOG_LIKELIHOOD = -19083.330649777094
# gg.customer_lifetime_value(bg, s.frequency, s.recency, s.T, s.monetary_value, time=12,
#                            discount_rate=0.01, freq="D"), and for single customers
#   bg.conditional_expected_number_of_purchases_up_to_time(360, ...),
#   bg.conditional_probability_alive(...).
LIFETIMES_CLV_TOTAL = 8646555.308062166
LIFETIMES_CLV = {"12347": 3010.8334632813558, "14646": 222119.15538647183,
                 "17850": 2779.211980372209, "12346": 295.2967334088982}
LIFETIMES_PURCHASES_360 = {"12347": 5.631898033548322, "14646": 38.114984695716075,
                           "17850": 1.4656397494723394}
LIFETIMES_ALIVE = {"12347": 0.9996980932908834, "14646": 0.9999231698376925,
                   "17850": 0.9854255214254025}


@pytest.mark.realdata
def test_bgnbd_fit_matches_lifetimes(
    online_retail_summary: CustomerSummary,
) -> None:
    summary = online_retail_summary
    fit = fit_bgnbd(summary.frequency, summary.recency, summary.T)
    assert fit.converged
    assert fit.log_likelihood >= LIFETIMES_BGNBD_LOG_LIKELIHOOD - 1e-6
    for name, reference in LIFETIMES_BGNBD.items():
        assert getattr(fit.params, name) == pytest.approx(reference, rel=1e-2), name


@pytest.mark.realdata
def test_reference_log_likelihood_reproduced(online_retail_summary: CustomerSummary) -> None:
    summary = online_retail_summary
    params = BetaGeoParams(**LIFETIMES_BGNBD)
    ll = bgnbd_log_likelihood(params, summary.frequency, summary.recency, summary.T)
    assert ll == pytest.approx(LIFETIMES_BGNBD_LOG_LIKELIHOOD, abs=1e-6)


@pytest.mark.realdata
def test_gamma_gamma_fit_matches_lifetimes(
    online_retail_summary: CustomerSummary,
) -> None:
    summary = online_retail_summary
    fit = fit_gamma_gamma(summary.frequency, summary.monetary_value)
    assert fit.converged
    assert fit.problem is None
    assert fit.n_used == 2_790
    assert fit.n_without_repeat == 1_548
    assert fit.log_likelihood >= LIFETIMES_GAMMA_GAMMA_LOG_LIKELIHOOD - 1e-6
    for name, reference in LIFETIMES_GAMMA_GAMMA.items():
        assert getattr(fit.params, name) == pytest.approx(reference, rel=1e-2), name
    params = GammaGammaParams(**LIFETIMES_GAMMA_GAMMA)
    reproduced = gamma_gamma_log_likelihood(params, summary.frequency, summary.monetary_value)
    assert reproduced == pytest.approx(LIFETIMES_GAMMA_GAMMA_LOG_LIKELIHOOD, abs=1e-6)


@pytest.mark.realdata
def test_predictions_match_lifetimes(online_retail_summary: CustomerSummary) -> None:
    summary = online_retail_summary
    bgnbd = BetaGeoParams(**LIFETIMES_BGNBD)
    gamma_gamma = GammaGammaParams(**LIFETIMES_GAMMA_GAMMA)
    x, t_x, age, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
    clv = customer_lifetime_value(bgnbd, gamma_gamma, x, t_x, age, m)
    purchases = expected_purchases(bgnbd, 360.0, x, t_x, age)
    alive = probability_alive(bgnbd, x, t_x, age)
    assert clv.sum() == pytest.approx(LIFETIMES_CLV_TOTAL, rel=1e-9)
    position = {customer: index for index, customer in enumerate(summary.customer_ids)}
    for customer, value in LIFETIMES_CLV.items():
        assert clv[position[customer]] == pytest.approx(value, rel=1e-9), customer
    for customer, value in LIFETIMES_PURCHASES_360.items():
        assert purchases[position[customer]] == pytest.approx(value, rel=1e-9), customer
    for customer, value in LIFETIMES_ALIVE.items():
        assert alive[position[customer]] == pytest.approx(value, rel=1e-9), customer


def test_recency_greater_than_t_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match=r"recency\[1\]: recency is greater than T"):
        check_bgnbd_inputs([0, 2], [0, 30], [10, 20])


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1.5], [3], [10], "whole number"),
        ([-1], [0], [10], "whole number"),
        ([0], [2], [10], "recency must be 0 when frequency is 0"),
        ([1], [-1], [10], "recency must be ≥ 0"),
        ([1, 2], [1], [5], "differ in length"),
        ([], [], [], "no customers"),
        ([1], [float("nan")], [5], "finite"),
    ],
)
def test_invalid_bgnbd_inputs(
    frequency: list[float], recency: list[float], T: list[float], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        fit_bgnbd(frequency, recency, T)


def test_non_positive_params_are_rejected() -> None:
    with pytest.raises(InvalidInputError, match="alpha"):
        BetaGeoParams(1.0, 0.0, 1.0, 1.0)


def test_gamma_gamma_drops_non_positive_spend() -> None:
    frequency = [0, 1, 2, 3, 1, 2]
    monetary = [0.0, 10.0, 12.0, 9.0, -5.0, 11.0]
    with pytest.warns(NonPositiveMonetaryValueWarning, match="1 customers"):
        fit = fit_gamma_gamma(frequency, monetary)
    assert fit.n_non_positive == 1
    assert fit.n_without_repeat == 1
    assert fit.n_used == 4


def test_gamma_gamma_reports_q_below_one() -> None:
    # Heavy-tailed spend pushes q below 1: the mean spend does not exist.
    rng = np.random.default_rng(7)
    frequency = rng.integers(1, 4, 400)
    monetary = np.exp(rng.normal(3.0, 3.0, 400))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_gamma_gamma(frequency, monetary)
    assert fit.params.q <= 1.0
    assert fit.problem is not None
    assert "q =" in fit.problem
    with pytest.raises(InvalidStateError, match="q ="):
        expected_average_value(fit.params, frequency, monetary)


def test_gamma_gamma_needs_two_customers() -> None:
    with pytest.raises(InvalidInputError, match="fewer than two"):
        fit_gamma_gamma([0, 1], [0.0, 5.0])


def test_expected_purchases_zero_horizon_is_zero() -> None:
    params = BetaGeoParams(0.8, 70.0, 0.5, 6.0)
    values = expected_purchases(params, 0.0, [0, 3], [0, 20], [30, 40])
    assert values.tolist() == [0.0, 0.0]


def test_new_customer_expectation_matches_zero_history_customer() -> None:
    # A customer with x = 0 observed for T = 0 days is a new customer.
    params = BetaGeoParams(0.8, 70.0, 2.5, 6.0)
    conditional = expected_purchases(params, 90.0, [0], [0], [0])
    unconditional = expected_purchases_new_customer(params, 90.0)
    assert conditional[0] == pytest.approx(float(unconditional), rel=1e-12)


def test_clv_rejects_bad_horizon() -> None:
    bgnbd = BetaGeoParams(0.8, 70.0, 0.5, 6.0)
    gamma_gamma = GammaGammaParams(2.0, 3.0, 400.0)
    with pytest.raises(InvalidInputError, match="months"):
        customer_lifetime_value(bgnbd, gamma_gamma, [1], [5], [10], [20.0], months=0)


def _simulate_bgnbd(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw customers from the BG/NBD process itself over 200 days."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(1.2, 1 / 20.0, n)
    dropout = rng.beta(1.5, 4.0, n)
    age = rng.integers(50, 200, n).astype(float)
    x = np.zeros(n)
    t_x = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / rates[i])
            if t > age[i]:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < dropout[i]:
                break
    t_x = np.floor(t_x)
    t_x[x == 0] = 0.0
    return x, t_x, age


def test_fit_recovers_simulated_parameters_roughly() -> None:
    x, t_x, age = _simulate_bgnbd(11, 3000)
    fit = fit_bgnbd(x, t_x, age)
    assert fit.converged
    assert fit.params.r == pytest.approx(1.2, rel=0.3)
    assert fit.params.alpha == pytest.approx(20.0, rel=0.35)


@settings(max_examples=40, deadline=None)
@given(
    r=st.floats(0.1, 5.0), alpha=st.floats(1.0, 200.0), a=st.floats(0.05, 5.0),
    b=st.floats(0.5, 20.0), seed=st.integers(0, 1000),
)
def test_bgnbd_gradient_and_hessian_match_finite_differences(
    r: float, alpha: float, a: float, b: float, seed: int
) -> None:
    x, t_x, age = _simulate_bgnbd(seed, 60)
    data = _BgnbdData.build(x, t_x, age)
    theta = np.log([r, alpha, a, b])
    _, gradient, hessian = _bgnbd_terms(theta, data, 2)
    step = 1e-6
    for i in range(4):
        shift = np.zeros(4)
        shift[i] = step
        params_up, params_down = np.exp(theta + shift), np.exp(theta - shift)
        up, g_up, _ = _bgnbd_terms(np.log(params_up), data, 1)
        down, g_down, _ = _bgnbd_terms(np.log(params_down), data, 1)
        # The derivative returned is with respect to the parameter p, so divide by dp.
        dp = params_up[i] - params_down[i]
        assert gradient[i] == pytest.approx((up - down) / dp, rel=1e-4, abs=1e-5)
        assert hessian[:, i] == pytest.approx((g_up - g_down) / dp, rel=1e-3, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_probability_alive_is_a_probability(seed: int) -> None:
    x, t_x, age = _simulate_bgnbd(seed, 40)
    alive = probability_alive(BetaGeoParams(0.9, 30.0, 0.7, 3.0), x, t_x, age)
    assert np.all((alive > 0) & (alive <= 1))
    assert np.all(alive[x == 0] == 1.0)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_expected_purchases_grow_with_horizon(seed: int) -> None:
    x, t_x, age = _simulate_bgnbd(seed, 30)
    values = expected_purchases(BetaGeoParams(0.9, 30.0, 0.7, 3.0), [30, 90, 365], x, t_x, age)
    assert np.all(np.diff(values, axis=1) >= -1e-12)
    assert np.all(np.isfinite(values))


def test_log_likelihood_matches_direct_formula() -> None:
    x, t_x, age = np.array([0.0, 2.0, 5.0]), np.array([0.0, 10.0, 40.0]), np.array(
        [20.0, 30.0, 60.0])
    r, alpha, a, b = 0.7, 12.0, 0.9, 2.5
    expected = 0.0
    for xi, ti, Ti in zip(x, t_x, age, strict=True):
        beta_ratio = math.exp(math.lgamma(a) + math.lgamma(b + xi) - math.lgamma(a + b + xi)
                              - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))
        gamma_part = math.exp(math.lgamma(r + xi) - math.lgamma(r)) * alpha**r
        bracket = (alpha + Ti) ** -(r + xi)
        if xi > 0:
            bracket += a / (b + xi - 1) * (alpha + ti) ** -(r + xi)
        expected += math.log(beta_ratio * gamma_part * bracket)
    got = bgnbd_log_likelihood(BetaGeoParams(r, alpha, a, b), x, t_x, age)
    assert got == pytest.approx(expected, rel=1e-12)


def test_boundary_parameters_raise_instead_of_nan() -> None:
    params = BetaGeoParams(1.7e7, 3.2e9, 1.1e-8, 0.14)
    with pytest.raises(InvalidStateError, match="converged"):
        expected_purchases(params, 360.0, [0, 3], [0, 274], [346, 343])


def test_tiny_sample_fit_reports_non_convergence() -> None:
    # Twelve customers who never seem to drop out: the likelihood keeps rising towards
    # a → 0 and r, α → ∞, so there is no interior maximum.
    frequency = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]
    recency = [0, 90, 184, 274, 0, 92, 274, 274, 0, 274, 274, 275]
    age = [346, 314, 284, 343, 221, 189, 340, 308, 94, 337, 305, 275]
    fit = fit_bgnbd(frequency, recency, age)
    assert not fit.converged


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_single_customer_agrees_with_batch(seed: int) -> None:
    x, t_x, age = _simulate_bgnbd(seed, 25)
    spend = np.where(x > 0, 20.0 + seed % 7, 0.0)
    bgnbd = BetaGeoParams(0.9, 30.0, 0.7, 3.0)
    gamma_gamma = GammaGammaParams(2.0, 3.5, 400.0)
    batch = customer_lifetime_value(bgnbd, gamma_gamma, x, t_x, age, spend)
    for index in range(x.size):
        one = customer_lifetime_value(bgnbd, gamma_gamma, x[index:index + 1],
                                      t_x[index:index + 1], age[index:index + 1],
                                      spend[index:index + 1])
        assert one[0] == batch[index]
