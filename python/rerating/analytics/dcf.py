"""DCF and multiple arithmetic: cost of equity, justified multiples, reverse DCF, adjustments.

All rates are decimals (0.12 means 12%). Every function accepts scalars or arrays and
broadcasts; where the formula has no meaning it raises :class:`~rerating.errors.InputError`
naming the input and why.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np

from rerating.analytics._util import arr, first_bad, fmt, wrap
from rerating.errors import InputError

Basis = Literal["trailing", "forward"]


def _basis(basis: str) -> str:
    if basis not in ("trailing", "forward"):
        raise InputError(f"basis {basis!r} is not 'trailing' or 'forward'")
    return basis


def _check_growth_below(growth: np.ndarray, rate: np.ndarray, rate_name: str) -> None:
    bad = growth >= rate
    if np.any(bad):
        g, r = first_bad(bad, growth, rate)
        raise InputError(f"growth {fmt(g)} is not below {rate_name} {fmt(r)}; a perpetuity "
                         f"growing at or above its discount rate has no finite value")


def _check_payout(payout: np.ndarray) -> None:
    if np.any(payout < 0):
        (p,) = first_bad(payout < 0, payout)
        raise InputError(f"payout {fmt(p)} is negative; payout ratios are 0 or more "
                         "(0.35 means 35% of earnings paid out)")


def cost_of_equity(rf: Any, beta: Any, erp: Any) -> Any:
    """Cost of equity by CAPM.

    Notes
    -----
    ``coe = rf + beta * erp``. With rf 0.07, beta 1.2, erp 0.055: 0.07 + 0.066 = 0.136.
    """
    r, b, e = arr(rf, "rf"), arr(beta, "beta"), arr(erp, "erp")
    return wrap(r + b * e, rf, beta, erp)


def justified_pe(payout: Any, growth: Any, coe: Any, basis: Basis = "trailing") -> Any:
    """P/E justified by the stable-growth (Gordon) model.

    Notes
    -----
    Forward (on next year's EPS): ``payout / (coe - g)``.
    Trailing (on the last year's EPS): ``payout * (1 + g) / (coe - g)``.
    """
    p, g, r = arr(payout, "payout"), arr(growth, "growth"), arr(coe, "coe")
    _check_payout(p)
    _check_growth_below(g, r, "cost of equity")
    pe = p / (r - g)
    if _basis(basis) == "trailing":
        pe = pe * (1 + g)
    return wrap(pe, payout, growth, coe)


def justified_pb(roe: Any, growth: Any, coe: Any) -> Any:
    """P/B justified by the stable-growth model: ``(roe - g) / (coe - g)``.

    Notes
    -----
    Follows from P = payout * E1 / (coe - g) with payout = 1 - g / roe and E1 = roe * B0.
    """
    e, g, r = arr(roe, "roe"), arr(growth, "growth"), arr(coe, "coe")
    _check_growth_below(g, r, "cost of equity")
    return wrap((e - g) / (r - g), roe, growth, coe)


def two_stage_pe(payout_high: Any, growth_high: Any, years: Any, payout_stable: Any,
                 growth_stable: Any, coe: Any, basis: Basis = "trailing") -> Any:
    """P/E of a high-growth period of ``years`` followed by stable growth for ever.

    Notes
    -----
    Per rupee of current EPS (trailing):
    ``sum_{t=1..n} payout_h (1+g_h)^t / (1+r)^t
    + payout_s (1+g_h)^n (1+g_s) / ((r - g_s) (1+r)^n)``.
    Forward divides by ``1 + g_h`` (next year's EPS).
    """
    ph, gh, n = arr(payout_high, "payout_high"), arr(growth_high, "growth_high"), arr(years, "years")
    ps, gs, r = arr(payout_stable, "payout_stable"), arr(growth_stable, "growth_stable"), arr(coe, "coe")
    _check_payout(ph)
    _check_payout(ps)
    if np.any((n < 0) | (n != np.round(n))):
        (bad,) = first_bad((n < 0) | (n != np.round(n)), n)
        raise InputError(f"years {fmt(bad)} is not a whole number of years, 0 or more")
    if np.any(r <= -1):
        raise InputError("coe must be above -1")
    _check_growth_below(gs, r, "cost of equity")
    ratio = (1 + gh) / (1 + r)
    # Geometric sum written to stay exact when g_h == r.
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.where(np.isclose(ratio, 1.0), n, ratio * (1 - ratio**n) / (1 - ratio))
    high = ph * geo
    terminal = ps * (1 + gh) ** n * (1 + gs) / ((r - gs) * (1 + r) ** n)
    pe = high + terminal
    if _basis(basis) == "forward":
        pe = pe / (1 + gh)
    return wrap(pe, payout_high, growth_high, years, payout_stable, growth_stable, coe)


def implied_growth(pe: Any, payout: Any, coe: Any, basis: Basis = "trailing") -> Any:
    """Perpetual growth the market implies at a P/E (reverse of :func:`justified_pe`).

    Notes
    -----
    Forward: ``g = coe - payout / pe``. Trailing: ``g = (pe * coe - payout) / (pe + payout)``.
    """
    m, p, r = arr(pe, "pe"), arr(payout, "payout"), arr(coe, "coe")
    if np.any(m <= 0):
        (bad,) = first_bad(m <= 0, m)
        raise InputError(f"pe {fmt(bad)} is not positive; a P/E on losses implies no growth rate")
    _check_payout(p)
    g = r - p / m if _basis(basis) == "forward" else (m * r - p) / (m + p)
    return wrap(g, pe, payout, coe)


def implied_erp(pe: Any, payout: Any, growth: Any, rf: Any, beta: Any,
                basis: Basis = "trailing") -> Any:
    """Equity risk premium the market implies at a P/E, given growth, rf and beta.

    Notes
    -----
    Implied cost of equity: forward ``payout / pe + g``, trailing ``payout (1+g) / pe + g``;
    then ``erp = (coe - rf) / beta``.
    """
    m, p, g = arr(pe, "pe"), arr(payout, "payout"), arr(growth, "growth")
    r, b = arr(rf, "rf"), arr(beta, "beta")
    if np.any(m <= 0):
        (bad,) = first_bad(m <= 0, m)
        raise InputError(f"pe {fmt(bad)} is not positive")
    if np.any(b == 0):
        raise InputError("beta 0 carries no equity risk premium; give a non-zero beta")
    _check_payout(p)
    coe = p / m + g if _basis(basis) == "forward" else p * (1 + g) / m + g
    return wrap((coe - r) / b, pe, payout, growth, rf, beta)


class MultipleAdjustment(NamedTuple):
    """Result of :func:`multiple_adjustment` (arrays when the inputs were arrays)."""

    new_pe: Any
    factor: Any
    implied_growth: Any
    coe_from: Any
    coe_to: Any


def multiple_adjustment(pe: Any, erp_from: Any, erp_to: Any, rf: Any, beta: Any, payout: Any,
                        basis: Basis = "trailing", growth_change: Any = 0.0) -> MultipleAdjustment:
    """Fair P/E after the equity risk premium moves from ``erp_from`` to ``erp_to``.

    Holds the growth the market implies today (reverse DCF at ``erp_from``), optionally raised
    by ``growth_change`` (an EPS upgrade that lifts sustainable growth), and re-prices at the
    new cost of equity.

    Notes
    -----
    ``coe_0 = rf + beta erp_from``, ``g = implied_growth(pe, payout, coe_0)``,
    ``coe_1 = rf + beta erp_to``, ``new_pe = justified_pe(payout, g + dg, coe_1)``,
    ``factor = new_pe / pe``.
    """
    coe0 = arr(cost_of_equity(rf, beta, erp_from), "coe")
    coe1 = arr(cost_of_equity(rf, beta, erp_to), "coe")
    g = arr(implied_growth(pe, payout, coe0, basis), "growth") + arr(growth_change, "growth_change")
    new = arr(justified_pe(payout, g, coe1, basis), "pe")
    factor = new / arr(pe, "pe")
    ins = (pe, erp_from, erp_to, rf, beta, payout)
    return MultipleAdjustment(wrap(new, *ins), wrap(factor, *ins), wrap(g, *ins),
                              wrap(coe0, *ins), wrap(coe1, *ins))


def dcf_value(cash_flows: Any, discount_rate: float, terminal_growth: float | None = None,
              terminal_multiple: float | None = None, mid_year: bool = False) -> float:
    """Present value of explicit cash flows (years 1..n) plus an optional terminal value.

    Notes
    -----
    ``PV = sum_t CF_t / (1+r)^t`` (``t - 0.5`` with the mid-year convention), plus
    ``TV / (1+r)^n`` where ``TV = CF_n (1+g) / (r - g)`` (perpetuity growth) or
    ``TV = CF_n * multiple`` (exit multiple). The terminal value is discounted from year n in
    both conventions. Give at most one of ``terminal_growth`` and ``terminal_multiple``.
    """
    cf = arr(cash_flows, "cash_flows").ravel()
    if cf.size == 0:
        raise InputError("cash_flows is empty; give one cash flow per year, year 1 first")
    if not np.all(np.isfinite(cf)):
        raise InputError("cash_flows has a blank or non-finite value")
    r = float(arr(discount_rate, "discount_rate"))
    if r <= -1:
        raise InputError(f"discount_rate {fmt(r)} must be above -1")
    if terminal_growth is not None and terminal_multiple is not None:
        raise InputError("give terminal_growth or terminal_multiple, not both")
    t = np.arange(1, cf.size + 1, dtype=float)
    pv = float(np.sum(cf / (1 + r) ** (t - 0.5 if mid_year else t)))
    n = cf.size
    if terminal_growth is not None:
        g = float(arr(terminal_growth, "terminal_growth"))
        _check_growth_below(np.asarray(g), np.asarray(r), "discount rate")
        pv += cf[-1] * (1 + g) / (r - g) / (1 + r) ** n
    elif terminal_multiple is not None:
        m = float(arr(terminal_multiple, "terminal_multiple"))
        pv += cf[-1] * m / (1 + r) ** n
    return pv


def terminal_multiple(growth: Any, discount_rate: Any) -> Any:
    """Exit multiple of the final year's cash flow equivalent to perpetual growth:
    ``(1 + g) / (r - g)``."""
    g, r = arr(growth, "growth"), arr(discount_rate, "discount_rate")
    _check_growth_below(g, r, "discount rate")
    return wrap((1 + g) / (r - g), growth, discount_rate)


def terminal_growth(multiple: Any, discount_rate: Any) -> Any:
    """Perpetual growth implied by an exit multiple (inverse of :func:`terminal_multiple`):
    ``g = (m r - 1) / (m + 1)``."""
    m, r = arr(multiple, "multiple"), arr(discount_rate, "discount_rate")
    if np.any(m <= 0):
        (bad,) = first_bad(m <= 0, m)
        raise InputError(f"multiple {fmt(bad)} is not positive")
    return wrap((m * r - 1) / (m + 1), multiple, discount_rate)


def target_price(eps: Any, multiple: Any) -> Any:
    """Target price = EPS x multiple. EPS must be positive (a multiple of losses is no price)."""
    e, m = arr(eps, "eps"), arr(multiple, "multiple")
    if np.any(e <= 0):
        (bad,) = first_bad(e <= 0, e)
        raise InputError(f"eps {fmt(bad)} is not positive; value loss-makers on book or cash flow")
    if np.any(m < 0):
        (bad,) = first_bad(m < 0, m)
        raise InputError(f"multiple {fmt(bad)} is negative")
    return wrap(e * m, eps, multiple)
