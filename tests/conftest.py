"""Shared fixtures. No test touches the network: yfinance runs against tests/fakeyahoo.py."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests import tests.fakeyahoo
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _formulas_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands store computed values through a LibreOffice run (seconds a book); the tests of
    that (tests/workbooks/test_cached_values.py) turn it back on, the rest do without."""
    monkeypatch.setenv("RERATING_CACHE_VALUES", "0")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real socket connection is a test bug: fail loudly instead of reaching the internet."""

    def guard(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a test tried to open a network connection")

    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        # Unix sockets stay on this machine (multiprocessing's forkserver uses one).
        if sock.family == getattr(socket, "AF_UNIX", None):
            return real_connect(sock, address)
        guard()

    monkeypatch.setattr(socket, "create_connection", guard)
    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(scope="session")
def yf_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import yfinance as yf

    path = tmp_path_factory.mktemp("yfcache")
    yf.set_tz_cache_location(str(path))
    return path


@pytest.fixture
def fake_yahoo(yf_cache: Path):  # type: ignore[no-untyped-def]
    """A fresh fake Yahoo. yfinance keeps answers for past date ranges in an in-process LRU
    cache (YfData.cache_get): clear it so one test's answers never leak into the next."""
    from yfinance.data import YfData

    from tests.fakeyahoo import FakeYahoo

    YfData.cache_get.cache_clear()
    yield FakeYahoo()
    YfData.cache_get.cache_clear()


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    from rerating.data.store import Store

    return Store(tmp_path / "store", lock_timeout=2.0)


@pytest.fixture(scope="session")
def demo():  # type: ignore[no-untyped-def]
    from rerating.data.providers.demo import demo_market

    return demo_market()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A store filled once with the whole demo market (read-only for tests)."""
    from rerating.data.providers.demo import DemoProvider
    from rerating.data.refresh import refresh
    from rerating.data.store import Store

    s = Store(tmp_path_factory.mktemp("demo_store"))
    provider = DemoProvider()
    refresh(s, provider, provider.universe("demo"), start="2005-01-01")
    return s


@pytest.fixture
def desk(demo_store, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The RR_ functions reading the demo store, offline (what Excel's Python would see)."""
    from rerating.data import access
    from rerating.settings import Settings

    data = access.MarketData(Settings(data_dir=demo_store.root, log_dir=tmp_path, offline=True))
    access.use(data)
    yield data
    access.use(None)


# CI runs hypothesis derandomized (same examples every run, so a red run is reproducible);
# locally every run explores new examples.
def _hypothesis_profiles() -> None:
    import os

    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None)
    settings.register_profile("dev", deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")


_hypothesis_profiles()


@pytest.fixture(scope="session")
def pg_server():  # type: ignore[no-untyped-def]
    """One throwaway PostgreSQL cluster for the session (tests/pgserver.py), or a skip saying
    why where the server is not installed."""
    from tests import pgserver

    why = pgserver.missing()
    if why is not None:
        pytest.skip(why)
    with pgserver.server() as srv:
        yield srv


@pytest.fixture
def pg_url(pg_server, request):  # type: ignore[no-untyped-def]
    """A fresh database of its own for one test: its URL (with the test password)."""
    import re as _re

    from tests import pgserver

    name = "t_" + _re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + f"_{id(request) % 10**6}"
    return pgserver.create_database(pg_server, name)


@pytest.fixture(params=["parquet", "postgresql"])
def any_store(request, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The same store contract on both backends: the local Parquet store, and PostgreSQL."""
    from rerating.data.store import Store

    if request.param == "parquet":
        return Store(tmp_path / "store", lock_timeout=2.0)
    from rerating.data.store.postgres import PgStore

    return PgStore(request.getfixturevalue("pg_url"), lock_timeout=2.0)
