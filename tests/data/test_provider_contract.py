"""The one contract every registered provider passes (OpenBB's fetcher habit): the canonical
shape for every table it provides, its own source label and a fetch time on every row, unique
keys, requests counted, and the same refusals. A new source adds a line to PROVIDERS and is
tested here with nothing else to write but how to build it offline."""

from __future__ import annotations

import pandas as pd
import pytest

from rerating.data import model
from rerating.data.providers import PROVIDERS, get_provider
from rerating.data.providers.base import Provider, Query
from rerating.errors import InputError
from tests.fakense import FakeNSE

#: how each registered provider is built offline, and a company and an index it knows
OFFLINE = {
    "demo": (lambda fake: get_provider("demo"), "DEVALPER.DEMO", "LARGE50.DEMO"),
    "yahoo": (lambda fake: get_provider("yahoo", session=fake.session(), sleep=lambda s: None),
              "RELIANCE.NS", "^NSEI"),
    # NSE's archive, its daily files made in their real layouts (tests/fakense.py)
    "nse": (lambda fake: get_provider("nse", session=FakeNSE.market("2026-02-20", "2026-05-05")
                                      .session(), sleep=lambda s: None, rate=0),
            "RELIANCE.NS", "^NSEI"),
}


def test_every_registered_provider_is_covered() -> None:
    assert set(OFFLINE) == set(PROVIDERS)


@pytest.fixture(params=sorted(PROVIDERS))
def subject(request, fake_yahoo):  # type: ignore[no-untyped-def]
    build, company, index = OFFLINE[request.param]
    return build(fake_yahoo), company, index


def test_every_table_comes_back_in_its_canonical_shape(subject) -> None:  # type: ignore[no-untyped-def]
    p, company, index = subject
    assert isinstance(p, Provider) and p.tables <= set(model.TABLES)
    for table in sorted(p.tables):
        spec = model.TABLES[table]
        who = index if table == "index_valuation" else company
        frame = p.fetch(table, Query.of([who], "2026-03-01", "2026-04-30"))
        assert list(frame.columns) == spec.column_names, table
        for col, dtype in spec.columns.items():
            got = str(frame[col].dtype)
            assert got in ("object", "str", "string") if dtype == "str" else got == dtype, \
                (table, col, got)
        assert not frame.empty, table
        assert not frame.duplicated(list(spec.key)).any(), table
        assert set(frame[spec.key[0]]) == {who}, table
        assert set(frame["source"]) == {p.source}, table
        assert frame["fetched_at"].notna().all() and str(frame["fetched_at"].dt.tz) == "UTC"
        assert p.requests.get(table, 0) >= 1, table
        if "date" in frame.columns:
            assert frame["date"].between(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-04-30")).all()


def test_every_provider_refuses_the_same_way(subject) -> None:  # type: ignore[no-untyped-def]
    p, company, _ = subject
    with pytest.raises(InputError, match="start 2026-04-30 is after end 2026-04-01"):
        p.fetch("prices", Query(("X",), pd.Timestamp("2026-04-30"), pd.Timestamp("2026-04-01")))
    missing = sorted(set(model.TABLES) - p.tables)
    for table in missing:
        with pytest.raises(InputError, match=f"does not provide table '{table}'"):
            p.fetch(table, Query.of([company]))
    with pytest.raises(InputError, match="is not a provider; valid: 'demo', 'yahoo', 'nse'"):
        get_provider("bloomberg")
