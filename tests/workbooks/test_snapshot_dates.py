"""A snapshot taken after the last stored close: the latest book reads it, a past date's book
never does (found running the README's commands: a model built in the morning, from Yahoo's
snapshot of that day beside NSE's close of the evening before, was refused)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rerating.data.providers.demo import DemoProvider
from rerating.data.refresh import refresh
from rerating.data.store import Store
from rerating.workbooks import content


def test_the_latest_book_reads_a_snapshot_taken_after_the_last_close(tmp_path: Path) -> None:
    store = Store(tmp_path)
    refresh(store, DemoProvider(), ["DEVALPER.DEMO"], start="2025-01-01", end="2026-04-30")
    last = store.read("prices", ["DEVALPER.DEMO"])["date"].max()
    # the morning after: today's snapshot, yesterday's close (values moved to tell them apart)
    with store.writer() as w:
        for table in ("fundamentals", "estimates"):
            f = store.read(table, ["DEVALPER.DEMO"])
            f = f[f["as_of"] == f["as_of"].max()].assign(as_of=last + pd.Timedelta(days=1))
            if table == "fundamentals":
                f = f.assign(trailing_eps=f["trailing_eps"] * 2)
            w.upsert(table, f)
    now = store.read("fundamentals", ["DEVALPER.DEMO"])
    new_eps = float(now.loc[now["as_of"] == now["as_of"].max(), "trailing_eps"].iloc[0])
    old_eps = float(now.loc[now["as_of"] <= last, "trailing_eps"].iloc[-1])
    latest = content.dcf(store, "DEVALPER.DEMO")
    assert latest.as_of == last
    assert latest.values["rr_eps_ttm"] == pytest.approx(new_eps)
    # asked for that close's date: only what was known by then
    past = content.dcf(store, "DEVALPER.DEMO", last)
    assert past.values["rr_eps_ttm"] == pytest.approx(old_eps) != pytest.approx(new_eps)
