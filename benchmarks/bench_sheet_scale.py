"""A 250-ticker x 10-field comps sheet: per-cell RR_ functions against ticker ranges (issue 15).

Through the stub-COM harness (tests/functions/harness.py: xlwings' own argument and return
conversion), with the documented transport cost of a call added to every call: xlwings' COM
round trip costs about 3.8 ms a call (xlwings issue 1976), paid by Excel before any Python runs.

- per-cell: =RR_PRICE(A2), =RR_INFO(A2,"pe") ... in every cell: 250 x 10 = 2,500 calls.
- ranges: =RR_PRICE(A2:A251) and =RR_INFO(A2:A251, {"pe","pb",...}): 2 calls.

End-to-end time = the measured Python time + calls x 3.8 ms. Target: ranges at least 50x faster
and under 0.5 s.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from benchmarks._harness import Row, median_seconds, print_rows
from rerating.data import access
from rerating.data.providers.demo import DemoProvider
from rerating.data.refresh import refresh
from rerating.data.store import Store
from rerating.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.functions.harness import call

COM_CALL_SECONDS = 0.0038  # xlwings issue 1976: one COM round trip per UDF call
FIELDS = ("pe", "pb", "sector", "market_cap", "trailing_eps", "book_value_per_share", "beta",
          "payout_ratio", "name")  # with RR_PRICE: 10 columns


def run() -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="rr-bench-sheet-"))
    provider = DemoProvider()
    names = provider.universe("demo-small")
    refresh(Store(tmp / "store"), provider, names, start="2025-01-01")
    data = access.MarketData(Settings(data_dir=tmp / "store", log_dir=tmp, offline=True),
                             recheck_every=3600)
    access.use(data)
    rng = [[t] for t in names]  # A2:A251, as Excel passes a column
    fields = [list(FIELDS)]     # {"pe","pb",...}, as Excel passes an array constant

    def per_cell() -> object:
        out = []
        for t in names:
            out.append([call("RR_PRICE", t), *(call("RR_INFO", t, f) for f in FIELDS)])
        return out

    def ranges() -> object:
        return call("RR_PRICE", rng), call("RR_INFO", rng, fields)

    def cell(v: object) -> object:  # the harness hands a scalar back as a 1x1 range
        return v[0][0] if isinstance(v, list) else v

    a, b = per_cell(), ranges()  # warm, and the same answers either way
    a = [[cell(v) for v in row] for row in a]
    assert [r[0] for r in b[0]] == [r[0] for r in a] and b[1] == [r[1:] for r in a]
    cell_s = median_seconds(per_cell, repeat=3) + len(names) * (1 + len(FIELDS)) * COM_CALL_SECONDS
    range_s = median_seconds(ranges, repeat=7) + 2 * COM_CALL_SECONDS
    access.use(None)
    row = Row(f"comps sheet {len(names)} x {1 + len(FIELDS)}: ranges (2 calls) vs per-cell "
              f"({len(names) * (1 + len(FIELDS)):,} calls), {COM_CALL_SECONDS * 1e3:.1f} ms COM a call",
              range_s, cell_s, ">= 50x faster and < 0.5 s (issue 15)")
    row.met = row.ratio >= 50 and range_s < 0.5
    return [row]


if __name__ == "__main__":
    print_rows(run())
