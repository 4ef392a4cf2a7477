"""Pure analytics: numpy/pandas in, numpy/pandas out. No I/O, no Excel, no Yahoo.

Modules: ``rally`` (period returns, best-since, rankings, breadth), ``valuation`` (aggregate
multiples, gaps, re-rating decomposition), ``revisions`` (EPS revisions, breadth, value traps),
``dcf`` (CAPM, justified multiples, reverse DCF, multiple adjustments, DCF value).
"""
