"""The UDF layer's cost: RR_ functions through the xlwings harness vs the analytics core.

Issue 4's benchmark: a warm single-ticker function and the DCF functions in microseconds per
call including conversion (target under 1 ms), and a 300-ticker RR_RALLY_TABLE against calling
rally_table directly on the same warm data (target: the UDF layer adds at most 20%).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from benchmarks._harness import Row, median_seconds, paired_medians, print_rows
from rerating.analytics import dcf, rally
from rerating.data import access
from rerating.data.providers.demo import DemoProvider
from rerating.data.refresh import refresh
from rerating.data.store import Store
from rerating.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.functions.harness import UDFS, call


def _per_call(fn, n: int = 200) -> float:  # type: ignore[no-untyped-def]
    return median_seconds(lambda: [fn() for _ in range(n)], repeat=5) / n


def run() -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="rr-bench-udf-"))
    provider = DemoProvider()
    names = provider.universe("demo")
    refresh(Store(tmp / "store"), provider, names, start="2006-05-01")
    data = access.MarketData(Settings(data_dir=tmp / "store", log_dir=tmp, offline=True),
                             recheck_every=3600)
    access.use(data)
    universe = provider.universe("demo-small") + provider.universe("demo-large")
    call("RR_PRICE", "SMALL250.DEMO")  # warm
    call("RR_RALLY_TABLE", [[t] for t in universe], "LARGE50.DEMO", "1M")
    closes = data.closes(universe)
    bench = data.prices("LARGE50.DEMO")["close"]
    sectors = data.latest_field("fundamentals", universe, "sector")
    rng = [[t] for t in universe]  # a 300-row column of tickers, as Excel passes it

    def core() -> object:
        return rally.rally_table(closes, bench, "1M", sectors=sectors)

    rows = [
        Row("RR_PRICE warm, per call (vs store frame lookup)",
            _per_call(lambda: call("RR_PRICE", "SMALL250.DEMO")),
            _per_call(lambda: data.prices("SMALL250.DEMO")["close"].iloc[-1]), "< 1 ms per call (issue 4)"),
        Row("RR_JUSTIFIED_PE per call (vs dcf.justified_pe)",
            _per_call(lambda: call("RR_JUSTIFIED_PE", 0.5, 0.05, 0.10)),
            _per_call(lambda: dcf.justified_pe(0.5, 0.05, 0.10)), "< 1 ms per call (issue 4)"),
        Row("RR_MULTIPLE_ADJ per call (vs dcf.multiple_adjustment)",
            _per_call(lambda: call("RR_MULTIPLE_ADJ", 10.5, 0.03, 0.02, 0.07, 1, 0.5)),
            _per_call(lambda: dcf.multiple_adjustment(10.5, 0.03, 0.02, 0.07, 1, 0.5)), "< 1 ms per call (issue 4)"),
        Row("RR_RALLY_TABLE 300 tickers warm (vs rally_table)",
            # the same computation the function does: with sectors; timed alternately
            *paired_medians(lambda: call("RR_RALLY_TABLE", rng, "LARGE50.DEMO", "1M"), core),
            "UDF adds <= 20%: ratio >= 0.83 (issue 4)"),
        Row("  the same, our layer only (no xlwings conversion)",
            *paired_medians(lambda: UDFS.RR_RALLY_TABLE(rng, "LARGE50.DEMO", "1M"), core),
            "UDF adds <= 20%: ratio >= 0.83 (issue 4)"),
    ]
    access.use(None)
    for r in rows[:3]:
        r.met = r.ours < 1e-3
    for r in rows[3:]:
        r.met = r.ratio >= 1 / 1.2
    return rows


if __name__ == "__main__":
    print_rows(run())
