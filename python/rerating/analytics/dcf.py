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


def justified_pb(roe: Any, growth: Any, coe: Any, payout: Any = None,
                 basis: Basis = "trailing") -> Any:
    """P/B justified by the stable-growth model, on the same convention as :func:`justified_pe`.

    ``roe`` is trailing by default (last year's EPS / today's book, as the DCF template and most
    screens compute it); ``basis="forward"`` takes next year's EPS / today's book. With
    ``payout``, P/B is ROE times the justified P/E at that payout, so P/B and P/E agree; without
    it, the payout is the one growth allows (``1 - g / forward ROE``).

    Notes
    -----
    Forward ROE ``roe_1 = roe (1 + g)`` for a trailing ROE. With payout:
    ``P/B = roe * justified_pe(payout, g, coe, basis)`` (trailing: ``roe payout (1+g) / (coe - g)``).
    Without: ``P/B = (roe_1 - g) / (coe - g)``, which is the same with ``payout = 1 - g / roe_1``.
    ROE 15% trailing, g 5%, coe 10%: (0.1575 - 0.05) / 0.05 = 2.15; forward ROE 15%: 2.0.
    """
    e, g, r = arr(roe, "roe"), arr(growth, "growth"), arr(coe, "coe")
    _check_growth_below(g, r, "cost of equity")
    if payout is not None:
        pb = e * arr(justified_pe(payout, growth, coe, basis), "pe")
    else:
        e1 = e * (1 + g) if _basis(basis) == "trailing" else e
        pb = (e1 - g) / (r - g)
    return wrap(pb, roe, growth, coe)


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
    high = ph * _geometric_sum((1 + gh) / (1 + r), n)
    terminal = ps * (1 + gh) ** n * (1 + gs) / ((r - gs) * (1 + r) ** n)
    pe = high + terminal
    if _basis(basis) == "forward":
        pe = pe / (1 + gh)
    return wrap(pe, payout_high, growth_high, years, payout_stable, growth_stable, coe)


def _geometric_sum(q: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``sum_{t=1..n} q^t``, exact for every ``q`` including ``q`` at or near 1.

    ``q (1 - q^n) / (1 - q)`` loses digits as ``q`` nears 1 (and divides by zero at 1), so near
    1 the sum is taken as ``n + sum_k C(n+1, k+1) (q-1)^k``, the binomial expansion of
    ``((1 + d)^(n+1) - 1 - (n+1) d) / d`` with ``d = q - 1``, to as many terms as the precision
    needs (the series has at most n+1 terms, so it is exact, not an approximation).
    """
    q, n = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(n, dtype=float))
    d = q - 1.0
    out = np.empty(q.shape, dtype=float)
    near = np.abs(d) * np.maximum(n, 1.0) < 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        far = q * (1 - q**n) / (1 - q)
    out[~near] = far[~near]
    if np.any(near):
        dn, nn = d[near], n[near]
        total = nn.copy()  # sum of q^t = sum_t sum_k C(t,k) d^k = sum_k C(n+1, k+1) d^k
        term = nn * (nn + 1) / 2  # C(n+1, 2)
        k = 1
        while k <= nn.max():
            add = np.where(k <= nn, term * dn**k, 0.0)
            total = total + add
            if np.all(np.abs(add) <= 1e-17 * np.abs(total)):
                break
            term = term * (nn + 1 - (k + 1)) / (k + 2)  # C(n+1, k+2) from C(n+1, k+1)
            k += 1
        out[near] = total
    return out


def fade_pe(payout: Any, growth_high: Any, years_high: Any, years_fade: Any,
            terminal_growth: Any, coe: Any, payout_stable: Any = None,
            basis: Basis = "trailing") -> Any:
    """P/E of a fade model: growth at ``growth_high`` for ``years_high`` years, fading in a
    straight line over ``years_fade`` years to ``terminal_growth``, then growing at that rate for
    ever. The payout moves the same way from ``payout`` to ``payout_stable`` (default: the same).

    Notes
    -----
    Growth in year t: ``g_t = g_h`` for t <= N; ``g_h + (g_T - g_h) (t - N) / M`` for
    N < t <= N + M (reaching g_T in year N + M); payout ``p_t`` likewise from p to p_T. With
    ``E_t = prod_{s<=t} (1 + g_s)`` per rupee of trailing EPS:
    ``PE = sum_{t=1..N+M} p_t E_t / (1+r)^t + p_T E_{N+M} (1 + g_T) / ((r - g_T) (1+r)^{N+M})``.
    Forward divides by ``1 + g_1`` (next year's EPS). M = 0 is the two-stage model and
    N = M = 0 the Gordon model.
    """
    ph, gh = arr(payout, "payout"), arr(growth_high, "growth_high")
    n, m = arr(years_high, "years_high"), arr(years_fade, "years_fade")
    gt, r = arr(terminal_growth, "terminal_growth"), arr(coe, "coe")
    ps = ph if payout_stable is None else arr(payout_stable, "payout_stable")
    _check_payout(ph)
    _check_payout(ps)
    for v, name in ((n, "years_high"), (m, "years_fade")):
        bad = (v < 0) | (v != np.round(v)) | (v > 200)
        if np.any(bad):
            (b,) = first_bad(bad, v)
            raise InputError(f"{name} {fmt(b)} is not a whole number of years from 0 to 200")
    if np.any(r <= -1):
        raise InputError("coe must be above -1")
    _check_growth_below(gt, r, "cost of equity")
    ph, gh, n, m, gt, r, ps = np.broadcast_arrays(ph, gh, n, m, gt, r, ps)
    if ph.ndim == 0:  # one path: plain floats are ten times faster than arrays here
        return _fade_scalar(float(ph), float(gh), int(n), int(m), float(gt), float(r),
                            float(ps), _basis(basis) == "forward")
    horizon = int((n + m).max()) if n.size else 0
    t = np.arange(1, horizon + 1, dtype=float)
    N, M = n[..., None], m[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(M > 0, np.clip((t - N) / M, 0.0, 1.0), 1.0)
    frac = np.where(t <= N, 0.0, frac)
    active = t <= N + M
    g_t = gh[..., None] + (gt[..., None] - gh[..., None]) * frac
    p_t = ph[..., None] + (ps[..., None] - ph[..., None]) * frac
    e_t = np.cumprod(np.where(active, 1.0 + g_t, 1.0), axis=-1)
    explicit = np.sum(np.where(active, p_t * e_t / (1 + r[..., None]) ** t, 0.0), axis=-1)
    e_end = e_t[..., -1] if horizon else np.ones(r.shape)
    terminal = ps * e_end * (1 + gt) / ((r - gt) * (1 + r) ** (n + m))
    pe = explicit + terminal
    if _basis(basis) == "forward":
        g1 = np.where(n > 0, gh, np.where(m > 0, gh + (gt - gh) / np.where(m > 0, m, 1), gt))
        pe = pe / (1 + g1)
    return wrap(pe, payout, growth_high, years_high, years_fade, terminal_growth, coe)


def _fade_scalar(p: float, gh: float, n: int, m: int, gt: float, r: float, ps: float,
                 forward: bool) -> float:
    """:func:`fade_pe` for one path, in plain floats (the same sum, year by year)."""
    e, pv = 1.0, 0.0
    for t in range(1, n + m + 1):
        frac = 0.0 if t <= n else (t - n) / m
        e *= 1.0 + gh + (gt - gh) * frac
        pv += (p + (ps - p) * frac) * e / (1.0 + r) ** t
    pe = pv + ps * e * (1.0 + gt) / ((r - gt) * (1.0 + r) ** (n + m))
    if forward:
        g1 = gh if n > 0 else (gh + (gt - gh) / m if m > 0 else gt)
        pe /= 1.0 + g1
    return pe


#: the range of growth the fade model's reverse searches (a year of -50% to +100% growth)
FADE_GROWTH_RANGE = (-0.5, 1.0)


def fade_implied_growth(pe: Any, payout: Any, years_high: Any, years_fade: Any,
                        terminal_growth: Any, coe: Any, payout_stable: Any = None,
                        basis: Basis = "trailing") -> Any:
    """Reverse of :func:`fade_pe`: the growth over the first ``years_high`` years that today's
    P/E implies, the fade and the terminal growth held.

    Raises :class:`InputError` in words when no growth in the searched range (-50% to +100% a
    year) justifies the P/E.

    Notes
    -----
    ``fade_pe`` rises strictly with ``growth_high`` when some payout is positive, so the root
    is unique; it is found by bisection to the last bit of a double.
    """
    m_ = arr(pe, "pe")
    if np.any(m_ <= 0):
        (bad,) = first_bad(m_ <= 0, m_)
        raise InputError(f"pe {fmt(bad)} is not positive; a P/E on losses implies no growth rate")
    n, m = arr(years_high, "years_high"), arr(years_fade, "years_fade")
    if np.any(n + m == 0):
        raise InputError("years_high and years_fade are both 0: with the terminal growth held "
                         "there is no growth left to solve for (use implied_growth)")
    ps = payout if payout_stable is None else payout_stable
    args = np.broadcast_arrays(m_, arr(payout, "payout"), n, m, arr(terminal_growth, "terminal_growth"),
                               arr(coe, "coe"), arr(ps, "payout_stable"))
    target, p, n, m, gt, r, ps = args

    def value(g: np.ndarray) -> np.ndarray:
        return np.asarray(fade_pe(p, g, n, m, gt, r, ps, basis), dtype=float)

    lo = np.full(target.shape, FADE_GROWTH_RANGE[0])
    hi = np.full(target.shape, FADE_GROWTH_RANGE[1])
    v_lo, v_hi = value(lo), value(hi)
    if np.any(v_hi - v_lo <= 1e-12 * np.abs(v_lo)):
        raise InputError("with these years and basis the P/E does not depend on growth_high "
                         "(forward P/E with one high-growth year): nothing to solve for")
    below, above = target < v_lo, target > v_hi
    if np.any(below):
        t_, floor = first_bad(below, target, v_lo)
        raise InputError(f"pe {fmt(t_)} is below {fmt(floor)}, what the fade model gives even with "
                         f"growth of {FADE_GROWTH_RANGE[0]:.0%} a year before the fade: no growth "
                         "path justifies it (check the payout and the cost of equity)")
    if np.any(above):
        t_, cap = first_bad(above, target, v_hi)
        raise InputError(f"pe {fmt(t_)} is above {fmt(cap)}, what the fade model gives at "
                         f"{FADE_GROWTH_RANGE[1]:.0%} growth a year: the market multiple cannot be "
                         "justified under this terminal growth and cost of equity")
    if target.ndim == 0:
        g = _illinois(lambda x: _fade_scalar(float(p), x, int(n), int(m), float(gt), float(r),
                                             float(ps), _basis(basis) == "forward"),
                      float(target), FADE_GROWTH_RANGE[0], float(v_lo), FADE_GROWTH_RANGE[1],
                      float(v_hi))
        return wrap(np.asarray(g), pe, payout, years_high, years_fade, terminal_growth, coe)
    for _ in range(200):
        mid = (lo + hi) / 2
        up = value(mid) < target
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        if np.all((hi - lo) <= 4 * np.finfo(float).eps * np.maximum(np.abs(mid), 1e-3)):
            break
    return wrap((lo + hi) / 2, pe, payout, years_high, years_fade, terminal_growth, coe)


def _illinois(f: Any, target: float, a: float, fa: float, b: float, fb: float) -> float:
    """The root of the increasing ``f(x) = target`` bracketed by ``a < b`` (Illinois regula
    falsi: bisection's guarantee, near-Newton speed, about a dozen evaluations)."""
    fa, fb = fa - target, fb - target
    side, c = 0, (a + b) / 2
    tol = 4 * np.finfo(float).eps
    for _ in range(200):
        c = (a * fb - b * fa) / (fb - fa)
        fc = f(c) - target
        if fc == 0 or abs(fc) <= tol * abs(target) or (b - a) <= tol * max(abs(c), 1e-3):
            break
        if fc > 0:
            b, fb = c, fc
            if side == -1:
                fa /= 2
            side = -1
        else:
            a, fa = c, fc
            if side == 1:
                fb /= 2
            side = 1
    return c


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
    """Result of :func:`multiple_adjustment` (arrays when the inputs were arrays).

    ``implied_growth`` is the growth held: perpetual growth under ``gordon``, the growth over
    the high-growth years under ``fade``; ``held`` says so in words."""

    new_pe: Any
    factor: Any
    implied_growth: Any
    coe_from: Any
    coe_to: Any
    model: str = "gordon"
    held: str = ""


Model = Literal["fade", "gordon"]
#: the fade model's defaults: 10 years at the implied growth, fading over 10 years to 6%
#: nominal terminal growth (India's long-run nominal GDP growth is commonly put near 10%; 6% is
#: a conservative perpetual rate for INR earnings). Settings and callers override them.
FADE_DEFAULTS = {"terminal_growth": 0.06, "years_high": 10, "years_fade": 10}


def multiple_adjustment(pe: Any, erp_from: Any, erp_to: Any, rf: Any, beta: Any, payout: Any,
                        basis: Basis = "trailing", growth_change: Any = 0.0,
                        model: Model = "fade", terminal_growth: Any = None,
                        years_high: Any = None, years_fade: Any = None,
                        payout_stable: Any = None) -> MultipleAdjustment:
    """Fair P/E after the equity risk premium moves from ``erp_from`` to ``erp_to``.

    Holds the growth the market implies today (reverse DCF at ``erp_from``), optionally raised
    by ``growth_change`` (an EPS upgrade that lifts growth), and re-prices at the new cost of
    equity. ``model="fade"`` (default) solves the growth of the first ``years_high`` years of a
    :func:`fade_pe` model whose growth fades over ``years_fade`` years to ``terminal_growth``;
    ``model="gordon"`` solves a single perpetual growth rate, which sits just below the cost of
    equity for a rich multiple and so makes any ERP move explode: it is the naive bound.

    Notes
    -----
    ``coe_0 = rf + beta erp_from``, ``coe_1 = rf + beta erp_to``. Gordon:
    ``g = implied_growth(pe, payout, coe_0)``, ``new_pe = justified_pe(payout, g + dg, coe_1)``.
    Fade: ``g_h = fade_implied_growth(pe, ..., coe_0)``,
    ``new_pe = fade_pe(payout, g_h + dg, ..., coe_1)``. ``factor = new_pe / pe``.
    """
    coe0 = arr(cost_of_equity(rf, beta, erp_from), "coe")
    coe1 = arr(cost_of_equity(rf, beta, erp_to), "coe")
    dg = arr(growth_change, "growth_change")
    ins = (pe, erp_from, erp_to, rf, beta, payout)
    if model == "gordon":
        g = arr(implied_growth(pe, payout, coe0, basis), "growth") + dg
        new = arr(justified_pe(payout, g, coe1, basis), "pe")
        held = "perpetual growth implied by today's P/E (single-stage Gordon)"
    elif model == "fade":
        gt = FADE_DEFAULTS["terminal_growth"] if terminal_growth is None else terminal_growth
        n = FADE_DEFAULTS["years_high"] if years_high is None else years_high
        m = FADE_DEFAULTS["years_fade"] if years_fade is None else years_fade
        g = arr(fade_implied_growth(pe, payout, n, m, gt, coe0, payout_stable, basis), "growth") + dg
        new = arr(fade_pe(payout, g, n, m, gt, coe1, payout_stable, basis), "pe")
        held = (f"growth implied by today's P/E for {fmt(np.max(n))} years, fading over "
                f"{fmt(np.max(m))} years to {float(np.max(gt)):.1%} terminal (fade model)")
    else:
        raise InputError(f"model {model!r} is not 'fade' or 'gordon'")
    factor = new / arr(pe, "pe")
    return MultipleAdjustment(wrap(new, *ins), wrap(factor, *ins), wrap(g, *ins),
                              wrap(coe0, *ins), wrap(coe1, *ins), model, held)


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
