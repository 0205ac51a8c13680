"""Customer lifetime value: BG/NBD and Gamma-Gamma fitted by maximum likelihood.

The BG/NBD model (Fader, Hardie and Lee, "Counting your customers the easy way", Marketing
Science 24(2), 2005) describes repeat purchases. While alive, a customer buys at a Poisson
rate λ ~ Gamma(r, α). After each purchase the customer drops out with probability
p ~ Beta(a, b). It reads three figures per customer, all in days in this package: the
repeat frequency ``x`` (purchase days after the first), the recency ``t_x`` (time from the
first to the last purchase) and the age ``T`` (time from the first purchase to the end of
the observation period).

The Gamma-Gamma model (Fader, Hardie and Lee, "RFM and CLV: using iso-value curves for
customer base analysis", Journal of Marketing Research 42(4), 2005) describes the spend
per purchase: each purchase is Gamma(p, ν) with ν ~ Gamma(q, γ) per customer. Only
customers with repeat purchases and a positive mean spend enter its fit. The mean spend of
the population is ``p γ / (q − 1)``, which exists only for ``q > 1``.

Both models are fitted in log-parameters with L-BFGS-B and their closed-form gradients;
the log-gamma and digamma terms, which depend on ``x`` only, are evaluated once per
distinct ``x``. Monetary values are floats here: they are statistics, not money.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1, zeta

from b2bcredit.core.errors import InvalidInputError, InvalidStateError

__all__ = [
    "BetaGeoFit",
    "BetaGeoParams",
    "GammaGammaFit",
    "GammaGammaParams",
    "NonPositiveMonetaryValueWarning",
    "bgnbd_log_likelihood",
    "check_bgnbd_inputs",
    "customer_lifetime_value",
    "expected_average_value",
    "expected_purchases",
    "expected_purchases_new_customer",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "gamma_gamma_log_likelihood",
    "probability_alive",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

# Settings of the L-BFGS-B fallback: the objective is the mean log-likelihood per customer, so these
# tolerances hold whatever the number of customers.
_OPTIONS: Final = {"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 20}
_LOG_BOUND: Final = 30.0
_MAX_NEWTON_STEPS: Final = 100
_MAX_LOG_STEP: Final = 2.0
# Largest gradient component per customer, in log-parameters, at which a fit has converged.
_GRADIENT_TOLERANCE: Final = 1e-10
_EMPTY: Final = np.empty(0)


def _trigamma(values: ArrayLike) -> FloatArray:
    """Return ψ'(z) as the Hurwitz zeta ζ(2, z): the same function, with less call overhead."""
    return np.asarray(zeta(2.0, values), dtype=np.float64)


class NonPositiveMonetaryValueWarning(UserWarning):
    """Customers with a mean spend at or below zero were left out of a Gamma-Gamma fit."""


@attrs.frozen(slots=True)
class BetaGeoParams:
    """The four BG/NBD parameters: purchase rate Gamma(r, α), dropout Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def __attrs_post_init__(self) -> None:
        for name in ("r", "alpha", "a", "b"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidInputError(
                    name, value, "BG/NBD parameters must be positive and finite",
                    "Fit the model with fit_bgnbd or pass positive values.",
                )

    def as_array(self) -> FloatArray:
        """Return the parameters as the array ``[r, alpha, a, b]``."""
        return np.array([self.r, self.alpha, self.a, self.b])


@attrs.frozen(slots=True)
class BetaGeoFit:
    """A fitted BG/NBD model and how the fit went."""

    params: BetaGeoParams
    # The total log-likelihood over all customers, in days.
    log_likelihood: float
    n_customers: int
    converged: bool
    iterations: int
    message: str


@attrs.frozen(slots=True)
class GammaGammaParams:
    """The three Gamma-Gamma parameters: spend shape p, and ν ~ Gamma(q, γ)."""

    p: float
    q: float
    v: float  # γ, the scale of the spend-rate distribution, in currency units

    def __attrs_post_init__(self) -> None:
        for name in ("p", "q", "v"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidInputError(
                    name, value, "Gamma-Gamma parameters must be positive and finite",
                    "Fit the model with fit_gamma_gamma or pass positive values.",
                )

    @property
    def mean_defined(self) -> bool:
        """Whether the population mean spend ``p γ / (q − 1)`` exists (``q > 1``)."""
        return self.q > 1.0

    def population_mean(self) -> float:
        """Return the mean spend per purchase across customers, ``p γ / (q − 1)``.

        Raises:
            InvalidStateError: ``q ≤ 1``, where the mean is infinite.
        """
        _require_mean(self)
        return self.p * self.v / (self.q - 1.0)


@attrs.frozen(slots=True)
class GammaGammaFit:
    """A fitted Gamma-Gamma model, the customers it used and any problem found."""

    params: GammaGammaParams
    log_likelihood: float
    n_used: int
    # Customers without a repeat purchase: the model is for the mean of repeat purchases.
    n_without_repeat: int
    # Customers with repeats but a mean spend at or below zero.
    n_non_positive: int
    converged: bool
    iterations: int
    message: str
    # The reason the fitted model cannot predict spend (q ≤ 1), or None when it can.
    problem: str | None


def _as_float_array(values: ArrayLike, field: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InvalidInputError(field, array.shape, "expected a one-dimensional array",
                                "Pass one value per customer.")
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)][0]
        raise InvalidInputError(field, float(bad), "values must be finite",
                                "Remove or fill missing values first.")
    return array


def _first_offender(array: FloatArray, mask: npt.NDArray[np.bool_]) -> tuple[int, float]:
    index = int(np.flatnonzero(mask)[0])
    return index, float(array[index])


def check_bgnbd_inputs(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate BG/NBD inputs and return them as float arrays.

    Raises:
        InvalidInputError: the arrays differ in length or are empty, a frequency is
            negative or fractional, a recency is negative or greater than T, or a recency
            is non-zero with frequency zero. The message names the first offending
            customer by position.
    """
    x = _as_float_array(frequency, "frequency")
    t_x = _as_float_array(recency, "recency")
    age = _as_float_array(T, "T")
    if not (x.shape == t_x.shape == age.shape):
        raise InvalidInputError(
            "frequency, recency, T", (x.shape, t_x.shape, age.shape),
            "the arrays differ in length", "Pass one value per customer in each array.",
        )
    if x.size == 0:
        raise InvalidInputError("frequency", [], "no customers", "Pass at least one customer.")

    checks: tuple[tuple[str, FloatArray, npt.NDArray[np.bool_], str, str], ...] = (
        ("frequency", x, (x < 0) | (x != np.floor(x)),
         "frequency must be a whole number of repeat purchases ≥ 0",
         "Count repeat purchase periods, not the first purchase."),
        ("recency", t_x, t_x < 0, "recency must be ≥ 0",
         "Measure recency from the first to the last purchase."),
        ("recency", t_x, t_x > age, "recency is greater than T",
         "Measure T from the first purchase to the end of the observation period, which "
         "must not precede the last purchase."),
        ("recency", t_x, (x == 0) & (t_x != 0), "recency must be 0 when frequency is 0",
         "A customer without repeat purchases has recency 0."),
    )
    for field, array, mask, problem, fix in checks:
        if np.any(mask):
            index, value = _first_offender(array, mask)
            raise InvalidInputError(f"{field}[{index}]", value, problem, fix)
    return x, t_x, age


class _UniqueValues:
    """The distinct values of an array, to evaluate special functions once per value."""

    def __init__(self, values: FloatArray) -> None:
        self.values, self.inverse = np.unique(values, return_inverse=True)

    def spread(self, per_value: FloatArray) -> FloatArray:
        return per_value[self.inverse]


def _bgnbd_terms(
    log_params: FloatArray,
    data: _BgnbdData,
    order: int,
) -> tuple[float, FloatArray, FloatArray]:
    """Return the log-likelihood and up to ``order`` derivatives with respect to (r, α, a, b).

    The likelihood of one customer is exp(G(x)) × (exp(A3) + [x > 0] exp(A4)) with
    G = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x) − ln B(a, b),
    A3 = −(r+x) ln(α+T) and A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x).
    """
    r, alpha, a, b = np.exp(log_params)
    ux, w = data.distinct_x.values, data.counts_x
    x, t_x, age, repeat, weight = data.x, data.t_x, data.age, data.repeat, data.weight
    total_weight = data.total_weight

    # Terms that depend on x only, weighted by how many customers share each x.
    gamma_part = (
        gammaln(r + ux) - gammaln(r) + r * math.log(alpha)
        + gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux)
    )
    log_alpha_T = np.log(alpha + age)
    log_alpha_t = np.log(alpha + t_x)
    b_x = np.where(repeat, b + x - 1.0, 1.0)
    a3 = -(r + x) * log_alpha_T
    a4 = np.where(repeat, math.log(a) - np.log(b_x) - (r + x) * log_alpha_t, -np.inf)
    top = np.maximum(a3, a4)
    e3 = np.exp(a3 - top)
    e4 = np.exp(a4 - top)
    total = e3 + e4
    ll = float(w @ gamma_part + weight @ (top + np.log(total)))
    if order == 0:
        return ll, _EMPTY, _EMPTY

    # Gradient with respect to (r, α, a, b): the x-only part plus w3 ∇A3 + w4 ∇A4.
    w3 = e3 / total
    w4 = e4 / total
    d3 = (-log_alpha_T, -(r + x) / (alpha + age))
    d4 = (-log_alpha_t, -(r + x) / (alpha + t_x), np.where(repeat, 1.0 / a, 0.0),
          np.where(repeat, -1.0 / b_x, 0.0))
    d_r_x = digamma(r + ux) - digamma(r) + math.log(alpha)
    d_ab_x = digamma(a + b) - digamma(a + b + ux)
    d_b_x = d_ab_x + digamma(b + ux) - digamma(b)
    ww3 = weight * w3
    ww4 = weight * w4
    gradient = np.array([
        w @ d_r_x + ww3 @ d3[0] + ww4 @ d4[0],
        total_weight * r / alpha + ww3 @ d3[1] + ww4 @ d4[1],
        w @ d_ab_x + ww4 @ d4[2],
        w @ d_b_x + ww4 @ d4[3],
    ])
    if order == 1:
        return ll, gradient, _EMPTY

    # Hessian: the x-only part, w3 ∇²A3 + w4 ∇²A4, and w3 w4 (∇A3 − ∇A4)(∇A3 − ∇A4)ᵀ.
    hessian = np.zeros((4, 4))
    t_ab = _trigamma(a + b)
    tri_ab_x = w @ (t_ab - _trigamma(a + b + ux))
    hessian[0, 0] = w @ (_trigamma(r + ux) - _trigamma(r))
    hessian[0, 1] = total_weight / alpha - ww3 @ (1.0 / (alpha + age)) - ww4 @ (
        1.0 / (alpha + t_x))
    hessian[1, 1] = -total_weight * r / alpha**2 + ww3 @ ((r + x) / (alpha + age) ** 2) + ww4 @ (
        (r + x) / (alpha + t_x) ** 2)
    hessian[2, 2] = tri_ab_x - np.sum(ww4) / a**2
    hessian[2, 3] = tri_ab_x
    hessian[3, 3] = tri_ab_x + w @ (_trigamma(b + ux) - _trigamma(b)) + ww4 @ np.where(
        repeat, 1.0 / b_x**2, 0.0)
    difference = (d3[0] - d4[0], d3[1] - d4[1], -d4[2], -d4[3])
    mix = weight * w3 * w4
    for i in range(4):
        for j in range(i, 4):
            hessian[i, j] += mix @ (difference[i] * difference[j])
    hessian = np.triu(hessian) + np.triu(hessian, 1).T
    return ll, gradient, hessian


@attrs.frozen(slots=True, eq=False)
class _BgnbdData:
    """BG/NBD inputs grouped into distinct (x, t_x, T) rows with their counts as weights."""

    x: FloatArray
    t_x: FloatArray
    age: FloatArray
    repeat: npt.NDArray[np.bool_]
    weight: FloatArray
    total_weight: float
    distinct_x: _UniqueValues
    counts_x: FloatArray

    @classmethod
    def build(cls, x: FloatArray, t_x: FloatArray, age: FloatArray) -> _BgnbdData:
        rows, counts, _ = _distinct_rows(x, t_x, age)
        ux, tx, ua = rows
        distinct_x = _UniqueValues(ux)
        counts_x = np.bincount(distinct_x.inverse, weights=counts).astype(np.float64)
        return cls(ux, tx, ua, ux > 0, counts, float(np.sum(counts)), distinct_x, counts_x)


def _distinct_rows(
    *columns: FloatArray,
) -> tuple[tuple[FloatArray, ...], FloatArray, npt.NDArray[np.int64]]:
    """Return the distinct rows of the columns, how often each occurs, and each row's group."""
    order = np.lexsort(columns[::-1])
    sorted_columns = [column[order] for column in columns]
    change = np.ones(order.size, dtype=bool)
    if order.size > 1:
        change[1:] = np.any([np.diff(column) != 0 for column in sorted_columns], axis=0)
    starts = np.flatnonzero(change)
    counts = np.diff(np.append(starts, order.size)).astype(np.float64)
    inverse = np.empty(order.size, dtype=np.int64)
    inverse[order] = np.cumsum(change) - 1
    return tuple(column[starts] for column in sorted_columns), counts, inverse


def _maximise(
    terms: Callable[[FloatArray, int], tuple[float, FloatArray, FloatArray]],
    start: FloatArray,
    scale: float,
) -> tuple[FloatArray, float, bool, int, str]:
    """Maximise a log-likelihood in log-parameters by damped Newton steps.

    ``terms(θ, order)`` returns the log-likelihood and its derivatives in the original
    parameters p = exp(θ); they are converted here with ∂/∂θ = p ∂/∂p. A step solves
    (−H + μ I) δ = g; μ shrinks after an accepted step and grows after a rejected one, so
    the method moves from gradient ascent to Newton's method near the maximum. It stops
    when the largest gradient component per customer is below 1e-10 or a step no longer
    changes the parameters. If it fails to converge within the iteration limit, L-BFGS-B
    from scipy finishes the fit.
    """
    theta = start.copy()
    ll, gradient, hessian = _log_space(terms, theta)
    damping = 1e-3
    message = "iteration limit reached"
    for iteration in range(1, _MAX_NEWTON_STEPS + 1):
        if np.max(np.abs(gradient)) / scale < _GRADIENT_TOLERANCE:
            return theta, ll, True, iteration - 1, "gradient below tolerance"
        accepted = False
        while damping < 1e12:
            system = -hessian + damping * np.diag(np.maximum(np.abs(np.diag(hessian)), 1e-12))
            try:
                step = np.linalg.solve(system, gradient)
            except np.linalg.LinAlgError:
                damping *= 10.0
                continue
            step = np.clip(step, -_MAX_LOG_STEP, _MAX_LOG_STEP)
            candidate = np.clip(theta + step, -_LOG_BOUND, _LOG_BOUND)
            # Derivatives come with the trial value: most steps are accepted, and an
            # accepted step needs them next.
            trial = _log_space(terms, candidate)
            if math.isfinite(trial[0]) and trial[0] >= ll - 1e-12 * abs(ll):
                accepted = True
                break
            damping *= 10.0
        if not accepted:
            message = "no step increases the likelihood"
            break
        moved = float(np.max(np.abs(candidate - theta)))
        theta = candidate
        ll, gradient, hessian = trial
        if moved < 1e-13:
            return theta, ll, True, iteration, "step below tolerance"
        damping = max(damping / 10.0, 1e-12)

    # Fallback: a quasi-Newton search from where Newton's method stopped.
    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        value, grad, _ = _log_space(terms, log_params, order=1)
        return -value / scale, -grad / scale

    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * start.size
    result = minimize(objective, theta, jac=True, method="L-BFGS-B", bounds=bounds,
                      options=_OPTIONS)
    theta = np.asarray(result.x, dtype=np.float64)
    ll, _, _ = terms(theta, 0)
    return theta, ll, bool(result.success), _MAX_NEWTON_STEPS + int(result.nit), (
        f"{message}; L-BFGS-B: {result.message}")


def _log_space(
    terms: Callable[[FloatArray, int], tuple[float, FloatArray, FloatArray]],
    theta: FloatArray,
    order: int = 2,
) -> tuple[float, FloatArray, FloatArray]:
    ll, gradient, hessian = terms(theta, order)
    params = np.exp(theta)
    log_gradient = gradient * params
    if order < 2:
        return ll, log_gradient, _EMPTY
    log_hessian = hessian * np.outer(params, params) + np.diag(log_gradient)
    return ll, log_gradient, log_hessian


def bgnbd_log_likelihood(
    params: BetaGeoParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> float:
    """Return the total BG/NBD log-likelihood of the customers under ``params``."""
    x, t_x, age = check_bgnbd_inputs(frequency, recency, T)
    ll, _, _ = _bgnbd_terms(np.log(params.as_array()), _BgnbdData.build(x, t_x, age), 0)
    return ll


def fit_bgnbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    initial: BetaGeoParams | None = None,
) -> BetaGeoFit:
    """Fit BG/NBD by maximum likelihood.

    The default start sets r = 1, a = 1, b = 1 and α so that the mean purchase rate
    r / α equals the observed repeat rate Σx / ΣT.

    Raises:
        InvalidInputError: the inputs fail :func:`check_bgnbd_inputs`.
    """
    x, t_x, age = check_bgnbd_inputs(frequency, recency, T)
    data = _BgnbdData.build(x, t_x, age)
    if initial is None:
        alpha0 = float(np.sum(age) / max(float(np.sum(x)), 1.0))
        initial = BetaGeoParams(1.0, max(alpha0, 1e-3), 1.0, 1.0)

    def terms(log_params: FloatArray, order: int) -> tuple[float, FloatArray, FloatArray]:
        return _bgnbd_terms(log_params, data, order)

    log_params, ll, converged, iterations, message = _maximise(
        terms, np.log(initial.as_array()), float(x.size)
    )
    r, alpha, a, b = np.exp(log_params)
    params = BetaGeoParams(float(r), float(alpha), float(a), float(b))
    return BetaGeoFit(params, ll, int(x.size), converged, iterations, message)


def _log_hyp2f1(a_: FloatArray, b_: FloatArray, c_: FloatArray, z: FloatArray) -> FloatArray:
    # Euler's transformation gives the same value when the direct series overflows. Near
    # boundary parameters hyp2f1 can return inf or a negative value, whose log is NaN: the
    # caller checks for non-finite results, so numpy's warnings stay silent here.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        direct = np.log(hyp2f1(a_, b_, c_, z))
        overflow = ~np.isfinite(direct)
        if np.any(overflow):
            ao, bo, co, zo = a_[overflow], b_[overflow], c_[overflow], z[overflow]
            direct[overflow] = (
                np.log(hyp2f1(co - ao, co - bo, co, zo)) + (co - ao - bo) * np.log1p(-zo)
            )
    return np.asarray(direct, dtype=np.float64)


def expected_purchases(
    params: BetaGeoParams,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatArray:
    """Return each customer's expected number of purchases in the next ``t`` days.

    ``t`` is a scalar or an array of horizons; with an array the result has one column per
    horizon. The formula is equation (10) of Fader, Hardie and Lee (2005).
    """
    x, t_x, age = check_bgnbd_inputs(frequency, recency, T)
    horizons = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if np.any(horizons < 0) or not np.all(np.isfinite(horizons)):
        raise InvalidInputError("t", horizons.tolist(), "horizons must be finite and ≥ 0",
                                "Pass horizons in days, such as 365.")
    r, alpha, a, b = params.r, params.alpha, params.a, params.b

    # The hypergeometric term depends on (x, T) only, so evaluate it once per distinct pair.
    (pair_x, pair_age), _, inverse = _distinct_rows(x, age)
    ux, uage = pair_x[:, None], pair_age[:, None]
    th = horizons[None, :]
    z = th / (alpha + uage + th)
    a_ = np.broadcast_to(r + ux, z.shape)
    b_ = np.broadcast_to(b + ux, z.shape)
    c_ = np.broadcast_to(a + b + ux - 1.0, z.shape)
    log_hyp = _log_hyp2f1(a_, b_, c_, z)
    second = -np.expm1(log_hyp + (r + ux) * np.log((alpha + uage) / (alpha + uage + th)))
    numerator = ((a + b + ux - 1.0) / (a - 1.0)) * second
    numerator = numerator[inverse]

    denominator = 1.0 + _dropout_odds(params, x, t_x, age)
    result = numerator / denominator[:, None]
    if not np.all(np.isfinite(result)):
        raise InvalidStateError(
            f"expected purchases cannot be evaluated for {params}: the hypergeometric term "
            "overflows. The parameters are likely a boundary fit (check BetaGeoFit.converged)."
        )
    if np.ndim(t) == 0:
        return np.asarray(result[:, 0], dtype=np.float64)
    return np.asarray(result, dtype=np.float64)


def _dropout_odds(
    params: BetaGeoParams, x: FloatArray, t_x: FloatArray, age: FloatArray
) -> FloatArray:
    """Return the odds that a customer has dropped out, zero for customers without repeats."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    log_odds = (
        math.log(a) - np.log(np.where(repeat, b + x - 1.0, 1.0))
        + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
    )
    return np.where(repeat, np.exp(np.minimum(log_odds, 700.0)), 0.0)


def probability_alive(
    params: BetaGeoParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Return each customer's probability of being alive at T (equation (11))."""
    x, t_x, age = check_bgnbd_inputs(frequency, recency, T)
    return np.asarray(1.0 / (1.0 + _dropout_odds(params, x, t_x, age)), dtype=np.float64)


def expected_purchases_new_customer(params: BetaGeoParams, t: ArrayLike) -> FloatArray:
    """Return E[X(t)], the expected purchases of a new customer within ``t`` days."""
    horizons = np.asarray(t, dtype=np.float64)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = horizons / (alpha + horizons)
    hyp = hyp2f1(r, b, a + b - 1.0, z)
    return np.asarray(
        (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + horizons)) ** r * hyp),
        dtype=np.float64,
    )


def _check_gamma_gamma_inputs(
    frequency: ArrayLike, monetary_value: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    x = _as_float_array(frequency, "frequency")
    m = _as_float_array(monetary_value, "monetary_value")
    if x.shape != m.shape:
        raise InvalidInputError("frequency, monetary_value", (x.shape, m.shape),
                                "the arrays differ in length",
                                "Pass one value per customer in each array.")
    bad = (x < 0) | (x != np.floor(x))
    if np.any(bad):
        index, value = _first_offender(x, bad)
        raise InvalidInputError(f"frequency[{index}]", value,
                                "frequency must be a whole number ≥ 0",
                                "Count repeat purchase periods.")
    return x, m


def _gamma_gamma_terms(
    log_params: FloatArray, x: FloatArray, m: FloatArray, distinct_x: _UniqueValues,
    order: int,
) -> tuple[float, FloatArray, FloatArray]:
    """Return the Gamma-Gamma log-likelihood and up to ``order`` derivatives.

    One customer's term is lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m
    + px ln x − (px+q) ln(γ + x m).
    """
    p, q, v = np.exp(log_params)
    ux = distinct_x.values
    n = float(x.size)
    log_m = np.log(m)
    log_x = np.log(x)
    v_xm = v + x * m
    log_v_xm = np.log(v_xm)
    px = p * x
    per_x = gammaln(p * ux + q) - gammaln(p * ux)
    ll = float(
        np.sum(distinct_x.spread(per_x))
        + n * (q * math.log(v) - gammaln(q))
        + np.sum((px - 1.0) * log_m + px * log_x - (px + q) * log_v_xm)
    )
    if order == 0:
        return ll, _EMPTY, _EMPTY
    psi_pxq = distinct_x.spread(digamma(p * ux + q))
    psi_px = distinct_x.spread(digamma(p * ux))
    gradient = np.array([
        np.sum(x * (psi_pxq - psi_px + log_m + log_x - log_v_xm)),
        np.sum(psi_pxq - log_v_xm) + n * (math.log(v) - digamma(q)),
        n * q / v - np.sum((px + q) / v_xm),
    ])
    if order == 1:
        return ll, gradient, _EMPTY
    tri_pxq = distinct_x.spread(_trigamma(p * ux + q))
    tri_px = distinct_x.spread(_trigamma(p * ux))
    hessian = np.empty((3, 3))
    hessian[0, 0] = np.sum(x * x * (tri_pxq - tri_px))
    hessian[0, 1] = np.sum(x * tri_pxq)
    hessian[0, 2] = -np.sum(x / v_xm)
    hessian[1, 1] = np.sum(tri_pxq) - n * _trigamma(q)
    hessian[1, 2] = n / v - np.sum(1.0 / v_xm)
    hessian[2, 2] = -n * q / v**2 + np.sum((px + q) / v_xm**2)
    hessian[1, 0], hessian[2, 0], hessian[2, 1] = hessian[0, 1], hessian[0, 2], hessian[1, 2]
    return ll, gradient, hessian


def gamma_gamma_log_likelihood(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> float:
    """Return the Gamma-Gamma log-likelihood over customers with x > 0 and a positive mean."""
    x, m = _check_gamma_gamma_inputs(frequency, monetary_value)
    used = (x > 0) & (m > 0)
    ll, _, _ = _gamma_gamma_terms(
        np.log([params.p, params.q, params.v]), x[used], m[used], _UniqueValues(x[used]), 0
    )
    return ll


def fit_gamma_gamma(
    frequency: ArrayLike,
    monetary_value: ArrayLike,
    *,
    initial: GammaGammaParams | None = None,
) -> GammaGammaFit:
    """Fit Gamma-Gamma by maximum likelihood on customers with repeat purchases.

    Customers with frequency 0 are left out (counted in ``n_without_repeat``); customers
    whose mean spend is at or below zero are left out with a
    :class:`NonPositiveMonetaryValueWarning` (counted in ``n_non_positive``). A fit whose
    q is 1 or below is returned with ``problem`` set, and predicting spend from it raises.

    Raises:
        InvalidInputError: invalid arrays, or fewer than two customers remain to fit.
    """
    x, m = _check_gamma_gamma_inputs(frequency, monetary_value)
    repeat = x > 0
    non_positive = repeat & (m <= 0)
    n_non_positive = int(np.count_nonzero(non_positive))
    if n_non_positive:
        warnings.warn(
            f"{n_non_positive} customers with a mean spend at or below zero were left out "
            "of the Gamma-Gamma fit",
            NonPositiveMonetaryValueWarning,
            stacklevel=2,
        )
    used = repeat & ~non_positive
    xu, mu = x[used], m[used]
    if xu.size < 2:
        raise InvalidInputError(
            "frequency", int(xu.size),
            "fewer than two customers with repeat purchases and a positive mean spend",
            "Fit on a longer observation period or more customers.",
        )
    distinct_x = _UniqueValues(xu)
    n = xu.size
    if initial is None:
        # p = 1 and q = 2 make the population mean p γ / (q − 1) equal γ: start it at the
        # observed mean.
        initial = GammaGammaParams(1.0, 2.0, float(np.mean(mu)))

    def terms(log_params: FloatArray, order: int) -> tuple[float, FloatArray, FloatArray]:
        return _gamma_gamma_terms(log_params, xu, mu, distinct_x, order)

    log_params, ll, converged, iterations, message = _maximise(
        terms, np.log([initial.p, initial.q, initial.v]), float(n)
    )
    p, q, v = np.exp(log_params)
    params = GammaGammaParams(float(p), float(q), float(v))
    problem = None
    if not params.mean_defined:
        problem = (
            f"q = {params.q:.6g} ≤ 1: the mean spend is infinite, so the model cannot "
            "predict spend; the spend data may be dominated by a few very large orders"
        )
    return GammaGammaFit(
        params=params,
        log_likelihood=ll,
        n_used=n,
        n_without_repeat=int(np.count_nonzero(~repeat)),
        n_non_positive=n_non_positive,
        converged=converged,
        iterations=iterations,
        message=message,
        problem=problem,
    )


def _require_mean(params: GammaGammaParams) -> None:
    if not params.mean_defined:
        raise InvalidStateError(
            f"Gamma-Gamma q = {params.q:.6g} ≤ 1: the expected spend is infinite, so no "
            "spend can be predicted. Check the fit's problem field and the spend data."
        )


def expected_average_value(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Return each customer's expected spend per purchase (equation (5)).

    It weighs the customer's own mean against the population mean by
    ``p x / (p x + q − 1)``; a customer without repeats gets the population mean.

    Raises:
        InvalidStateError: q ≤ 1, where the expectation does not exist.
    """
    _require_mean(params)
    x, m = _check_gamma_gamma_inputs(frequency, monetary_value)
    p, q, v = params.p, params.q, params.v
    weight = p * x / (p * x + q - 1.0)
    return np.asarray((1.0 - weight) * (p * v / (q - 1.0)) + weight * m, dtype=np.float64)


def customer_lifetime_value(
    bgnbd: BetaGeoParams,
    gamma_gamma: GammaGammaParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    days_per_month: float = 30.0,
) -> FloatArray:
    """Return each customer's discounted CLV over ``months`` months.

    CLV = Σ_{k=1..months} E[spend] × (E[X(k·d)] − E[X((k−1)·d)]) / (1 + rate)^k, where
    ``d`` is ``days_per_month`` and X counts purchases after T. This is the convention of
    the lifetimes package (30-day months, discounting at the end of each month).

    Raises:
        InvalidStateError: the Gamma-Gamma q is 1 or below.
        InvalidInputError: invalid inputs, months < 1 or a negative rate.
    """
    if months < 1:
        raise InvalidInputError("months", months, "must be at least 1", "Pass months ≥ 1.")
    if not (math.isfinite(monthly_discount_rate) and monthly_discount_rate > -1):
        raise InvalidInputError("monthly_discount_rate", monthly_discount_rate,
                                "must be greater than -1", "Pass a rate such as 0.01.")
    spend = expected_average_value(gamma_gamma, frequency, monetary_value)
    horizons = np.arange(0, months + 1, dtype=np.float64) * days_per_month
    cumulative = expected_purchases(bgnbd, horizons, frequency, recency, T)
    per_month = np.diff(cumulative, axis=1)
    discount = (1.0 + monthly_discount_rate) ** -np.arange(1, months + 1, dtype=np.float64)
    # An element-wise product summed per row, not a matrix product: BLAS may sum in another
    # order for another number of rows, and one customer must get the same value alone.
    discounted = np.sum(per_month * discount, axis=1)
    return np.asarray(spend * discounted, dtype=np.float64)
