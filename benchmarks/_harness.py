"""Timing helpers shared by the benchmarks: medians of repeated runs, one printed row each."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    """One benchmark case: our median, the baseline's median from the same run, the target
    from the issue that set it, and whether this run met it (None: no target)."""

    case: str
    ours: float
    baseline: float
    target: str
    met: bool | None = None

    @property
    def ratio(self) -> float:
        return self.baseline / self.ours if self.ours > 0 else float("inf")

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "-"}[self.met]


def median_seconds(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def paired_medians(ours: Callable[[], object], baseline: Callable[[], object],
                   repeat: int = 101, warmup: int = 3) -> tuple[float, float]:
    """Medians of ``ours`` and ``baseline`` timed alternately, so that load from elsewhere on a
    shared machine lands on both sides instead of on whichever ran second."""
    for _ in range(warmup):
        ours()
        baseline()
    a, b = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        ours()
        t1 = time.perf_counter()
        baseline()
        b.append(time.perf_counter() - t1)
        a.append(t1 - t0)
    return statistics.median(a), statistics.median(b)


def fmt_time(s: float) -> str:
    return f"{s * 1e3:9.2f} ms" if s >= 1e-3 else f"{s * 1e6:9.1f} us"


HEADER = f"{'case':<62} {'ours':>12} {'baseline':>12} {'ratio':>8}  {'verdict':<7} target"


def print_rows(rows: list[Row]) -> None:
    print(HEADER)
    for r in rows:
        print(f"{r.case:<62} {fmt_time(r.ours):>12} {fmt_time(r.baseline):>12} "
              f"{r.ratio:7.1f}x  {r.verdict:<7} {r.target}")


def markdown(rows: list[Row]) -> str:
    out = ["| case | ours (median) | baseline (median, same run) | ratio | target | verdict |",
           "|---|---:|---:|---:|---|---|"]
    for r in rows:
        out.append(f"| {r.case.strip()} | {fmt_time(r.ours).strip()} | {fmt_time(r.baseline).strip()} | "
                   f"{r.ratio:.2f}x | {r.target} | {r.verdict} |")
    return "\n".join(out)
