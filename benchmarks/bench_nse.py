"""NSE's daily archive (issue 22): reading a 20-year back-fill, the requests a refresh makes,
and how long no network takes to say.

The files are made here in NSE's real layouts (as tests/fakense.py makes them: the
all-indices file, ``sec_bhavdata_full`` until 5 July 2024, the UDiFF zip after), 2,000 stocks
and 120 indices a day, one file of each kind for every NSE session from May 2006 to April 2026.
"Ours" is what a refresh does with the bytes that arrived: ``NSEProvider.read`` in batches of
128 days (the importer's layouts, checks and canonical tables); the baseline is
``pyarrow.csv.read_csv`` of the same bytes (unzipped), which only splits them into columns.
Requests are counted through the fake transport; times there are the provider's stated pace.
"""

from __future__ import annotations

import io
import time
import zipfile

import pandas as pd
from tests.fakense import FULL_HEADER, IND_HEADER, UDIFF_HEADER  # NSE's headers, one copy

from benchmarks._harness import Row
from rerating.data.calendar import sessions
from rerating.data.providers.nse import (
    EQUITIES,
    INDICES,
    UDIFF_FROM,
    DayFile,
    NSEProvider,
    file_name,
)

STOCKS = 2000
INDICES_PER_DAY = 120


def _files(day: pd.Timestamp) -> list[tuple[str, bytes]]:
    """One day's two files, byte for byte in NSE's layouts."""
    k = day.dayofyear
    ind = [IND_HEADER] + [
        f"Nifty Index {i:03d},{day:%d-%m-%Y},{1000 + i + k:.2f},{1010 + i + k:.2f},"
        f"{990 + i + k:.2f},{1005 + i + k:.2f},5.25,.52,271450104,24567.25,"
        f"{20 + i / 10:.2f},3.46,1.32" for i in range(INDICES_PER_DAY)]
    out = [(file_name(INDICES, day), ("\n".join(ind) + "\n").encode())]
    name = file_name(EQUITIES, day)
    if day >= UDIFF_FROM:
        rows = [UDIFF_HEADER] + [
            f"{day:%Y-%m-%d},{day:%Y-%m-%d},CM,NSE,STK,{1000 + i},INE{i:06d}A0101,SYM{i:04d},"
            f"{'BE' if i % 20 == 0 else 'EQ'},,,,,SYM{i:04d} LTD,{100 + i % 900 + k / 100:.2f},"
            f"{101 + i % 900:.2f},{99 + i % 900:.2f},{100 + i % 900 + k / 100:.2f},"
            f"{100 + i % 900:.2f},{100 + i % 900:.2f},,{100 + i % 900:.2f},,,5672391,"
            "18165443211.55,254120,F1,1,,,,," for i in range(STOCKS)]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name.removesuffix(".zip"), "\n".join(rows) + "\n")
        out.append((name, buf.getvalue()))
    else:
        rows = [FULL_HEADER] + [
            f"SYM{i:04d}, {'BE' if i % 20 == 0 else 'EQ'}, {day:%d-%b-%Y}, "
            f"{100 + i % 900:.2f}, {100 + i % 900:.2f}, {101 + i % 900:.2f}, {99 + i % 900:.2f}, "
            f"{100 + i % 900 + k / 100:.2f}, {100 + i % 900 + k / 100:.2f}, {100 + i % 900:.2f}, "
            f"268934, 538.16, 6112, 120334, 44.74" for i in range(STOCKS)]
        out.append((name, ("\n".join(rows) + "\n").encode()))
    return out


def _parse_backfill(days: pd.DatetimeIndex, batch: int = 128) -> tuple[float, float, int]:
    """Seconds ours and pyarrow's spend on the same bytes, batch by batch, and rows read."""
    import pyarrow.csv as pacsv
    import requests

    p = NSEProvider(session=requests.Session(), rate=0)  # reads only: nothing is sent
    ours = base = 0.0
    rows = 0
    for i in range(0, len(days), batch):
        made = [(d, name, data) for d in days[i:i + batch] for name, data in _files(d)]
        files = [DayFile(INDICES if name.startswith("ind_") else EQUITIES, d, name, data=data,
                         ctype="text/csv") for d, name, data in made]
        t0 = time.perf_counter()
        p.read(files)
        ours += time.perf_counter() - t0
        assert not any(f.failure for f in files), [f.failure for f in files if f.failure][:1]
        rows += sum(f.rows for f in files)
        t0 = time.perf_counter()
        for _, name, data in made:
            raw = zipfile.ZipFile(io.BytesIO(data)).read(name.removesuffix(".zip")) \
                if name.endswith(".zip") else data
            pacsv.read_csv(io.BytesIO(raw))
        base += time.perf_counter() - t0
    return ours, base, rows


def _requests() -> tuple[int, int, float]:
    """Files a refresh asks for: a year from empty, then the next session; and the seconds
    the CLI takes to say there is no network (a transport that cannot resolve the host)."""
    import tempfile
    from functools import partialmethod

    from tests.fakense import FakeNSE

    from rerating.cli import main
    from rerating.data.refresh import plan_days, refresh_days
    from rerating.data.store import Store

    fake = FakeNSE.market("2025-05-01", "2026-05-04")
    store = Store(tempfile.mkdtemp(prefix="rr-bench-nse-"))
    p = NSEProvider(session=fake.session(), rate=0, sleep=lambda s: None)
    plan = plan_days(store, p, pd.Timestamp("2025-05-01"), pd.Timestamp("2026-04-30"),
                     (INDICES, EQUITIES))
    refresh_days(store, p, plan)
    year = sum(v for k, v in p.requests.items() if k in (INDICES, EQUITIES))
    p2 = NSEProvider(session=fake.session(), rate=0, sleep=lambda s: None)
    plan = plan_days(store, p2, pd.Timestamp("2025-05-01"), pd.Timestamp("2026-05-04"),
                     (INDICES, EQUITIES))
    refresh_days(store, p2, plan)
    day = sum(p2.requests.values())
    offline = FakeNSE.market("2026-04-01", "2026-04-30")
    for d in offline.days:
        for k in (INDICES, EQUITIES):
            offline.failures[file_name(k, d)] = "dns"
    real_init = NSEProvider.__init__
    NSEProvider.__init__ = partialmethod(real_init, session=offline.session())  # type: ignore[method-assign]
    try:
        t0 = time.perf_counter()
        main(["--data-dir", tempfile.mkdtemp(prefix="rr-bench-nse-"), "data", "refresh",
              "--source", "nse", "--start", "2026-04-01", "--end", "2026-04-30",
              "--no-progress"])
        said = time.perf_counter() - t0
    finally:
        NSEProvider.__init__ = real_init  # type: ignore[method-assign]
    return year, day, said


def run() -> list[Row]:
    days = sessions(pd.Timestamp("2006-05-02"), pd.Timestamp("2026-04-30"))
    ours, base, rows = _parse_backfill(days)
    out = [Row(f"read a 20-year NSE back-fill: {len(days):,} bhavcopies ({STOCKS:,} stocks) and "
               f"{len(days):,} ind_close_all files ({INDICES_PER_DAY} indices), {rows:,} rows "
               "into canonical tables (vs pyarrow.csv splitting the same bytes)",
               ours, base, "within 3x of pyarrow.csv (issue 22)", ours <= 3 * base)]
    year, day, said = _requests()
    pace = 1 / 3  # NSEProvider's stated pace: 3 requests a second
    out.append(Row(f"NSE refresh of every stock and index from empty, one year: {year} "
                   f"requests (2 a session); the next session: {day} requests, "
                   f"{day * pace:.2f} s at the stated pace (baseline: the Yahoo refresh of the "
                   "Nifty 500 one session later, 501 requests, 50.1 s simulated in "
                   "bench_refresh_scale)", day * pace, 50.1,
                   "a daily refresh is 2 requests (issue 22)", day == 2))
    out.append(Row("no network: `data refresh --source nse` says so in one line (vs the 2 s "
                   "target)", said, 2.0, "< 2 s (issue 22; Yahoo took 11.5 s before)",
                   said < 2.0))
    return out


if __name__ == "__main__":
    from benchmarks._harness import print_rows

    print_rows(run())
