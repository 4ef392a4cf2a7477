"""Every command the README shows runs, as written, against the fake transports and a
temporary store, so that no documented command can fail again unnoticed (issue 31: the
README's shared-store step failed with "No such option '--market'").

Each fenced ``sh`` block is read line by line (shell quoting and ``#`` comments as a shell reads
them); ``VAR=value`` before a command is its environment. A block may be skipped only when the
line before it says so, ``<!-- commands: skip, REASON -->``, for a reason this file allows
(the network, Windows, system packages); the skipped blocks are printed in the test's output.
The desk's PostgreSQL URLs are replaced by a throwaway database of the test cluster
(tests/pgserver.py). NSE is tests/fakense.py with every stock of the Nifty Smallcap 250 and
Nifty 50 lists; Yahoo is tests/fakeyahoo.py serving the demo market's series under those
tickers. A command passes when it exits 0; a command that reads files (``data import …``)
gets the real-layout fixtures of tests/fixtures under the names the README uses.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from functools import partialmethod
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "tests" / "fixtures" / "files"
#: the only reasons a documented block may be left out of this test
SKIP_REASONS = ("needs the network", "Windows", "installs system packages")
_FENCE = re.compile(r"^(?P<marker><!-- commands: skip, (?P<why>[^>]*?) -->\n)?```(?P<lang>\w*)\n"
                    r"(?P<body>.*?)^```", re.M | re.S)


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str
    env: dict[str, str]
    argv: list[str]


def documented(path: Path) -> tuple[list[Command], list[tuple[int, str, str]]]:
    """The commands of ``path``'s shell blocks, and the skipped blocks (line, reason, text)."""
    text = path.read_text(encoding="utf-8")
    commands, skipped = [], []
    for m in _FENCE.finditer(text):
        if m["lang"] not in ("sh", "bash", "shell", "console"):
            continue
        first = text[:m.start("body")].count("\n") + 1
        if m["why"]:
            skipped.append((first, m["why"], m["body"].strip()))
            continue
        for n, raw in enumerate(m["body"].splitlines()):
            words = shlex.split(raw, comments=True)
            if not words:
                continue
            env = {}
            while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):
                k, v = words.pop(0).split("=", 1)
                env[k] = v
            commands.append(Command(path.name, first + n, raw.split(" #")[0].strip(), env,
                                    words))
    return commands, skipped


def test_the_readme_commands_are_found_and_every_skip_has_an_allowed_reason() -> None:
    commands, skipped = documented(ROOT / "README.md")
    assert len(commands) >= 30
    assert {c.argv[0] for c in commands} <= {"make", "rerating"}, \
        sorted({c.argv[0] for c in commands})
    for line, why, _ in skipped:
        assert why.startswith(SKIP_REASONS), (line, why)
    said = [c.text for c in commands]
    assert "rerating data refresh --market india" in " ".join(said)


# -- the market the commands meet --------------------------------------------------------------
def _walk(seed: int, days: pd.DatetimeIndex, base: float) -> pd.Series:
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0004, 0.012, len(days))
    return pd.Series(np.round(base * np.exp(np.cumsum(steps)), 2), index=days)


@pytest.fixture
def documented_world(tmp_path: Path, monkeypatch, fake_yahoo):  # type: ignore[no-untyped-def]
    """A temporary store and working folder, NSE and Yahoo as fakes, and the files the
    README's commands name."""
    from rerating.data.calendar import last_session
    from rerating.data.providers.nse import NSEProvider
    from rerating.data.providers.yahoo import YahooProvider
    from rerating.data.refresh import last_published
    from rerating.data.universe import BUILTIN_LISTS
    from tests.data.test_corporate_actions import actions_csv
    from tests.fakense import FakeNSE

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for var, sub in (("RERATING_DATA_DIR", "store"), ("RERATING_LOG_DIR", "log"),
                     ("RERATING_CONFIG_DIR", "config")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.setenv("RERATING_CACHE_VALUES", "0")  # LibreOffice's own tests are elsewhere
    for var in ("RERATING_STORE", "RERATING_OFFLINE", "RERATING_INDEX_MAP"):
        monkeypatch.delenv(var, raising=False)

    # NSE: twelve years and a month of sessions up to the last published day (the README
    # back-fills twelve years of index files), every stock of both lists
    end = last_session(last_published())
    fake = FakeNSE.market(f"{end - pd.DateOffset(years=12, months=1):%Y-%m-%d}", f"{end:%Y-%m-%d}")
    small = BUILTIN_LISTS["niftysmallcap250"].frame()
    large = BUILTIN_LISTS["nifty50"].frame()
    members = pd.concat([small, large]).drop_duplicates("ticker")
    for i, t in enumerate(members["ticker"]):
        fake.stocks.setdefault(t.removesuffix(".NS"), _walk(i, fake.days, 100.0 + 7 * i))
    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=fake.session(), sleep=lambda s: None, rate=0))

    # Yahoo: the same market in Yahoo's answer shapes (one world: NSE's closes are Yahoo's)
    def frame(closes: pd.Series) -> pd.DataFrame:
        return pd.DataFrame({"date": closes.index, "close": closes.to_numpy(),
                             "adj_close": closes.to_numpy(), "volume": 268934.0})

    names = dict(zip(members["ticker"], members["company_name"], strict=True))
    series = {t: frame(fake.stocks[t.removesuffix(".NS")]) for t in names}
    series["^NSEI"] = frame(fake.indices["Nifty 50"]["close"])
    series["NIFTYSMLCAP250.NS"] = frame(fake.indices["Nifty Smallcap 250"]["close"])
    fake_yahoo.serve_market(series, names)
    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))

    # the files the README's import commands name, in NSE's and the sites' layouts
    shutil.copy(FILES / "Nifty 50 Historical Data.csv", work)
    (work / "bhavcopies").mkdir()
    for f in ("cm14MAR2019bhav.csv.zip", "sec_bhavdata_full_07062024.csv"):
        shutil.copy(FILES / f, work / "bhavcopies")
    shutil.copy(FILES / "NIFTY SMALLCAP 250_PE_PB_DIV.csv", work / "NIFTY_SMALLCAP_250.csv")
    (work / "CF-CA-equities.csv").write_bytes(actions_csv(fake.actions))
    (work / "my_smallcaps.txt").write_text("\n".join(small["ticker"][:5]) + "\n")
    shutil.copy(FILES / "ind_nifty50list.csv", work / "my_watchlist.csv")
    shutil.copy(ROOT / "python" / "rerating" / "data" / "lists" / "ind_nifty50list.csv", work)
    return work


def _run(c: Command, monkeypatch, pg: str | None) -> int:  # type: ignore[no-untyped-def]
    from rerating.cli import main

    argv = list(c.argv)
    if argv[:2] == ["make", "demo"]:  # the Makefile's demo target, in this environment
        argv = ["rerating", "demo"]
    env = {k: re.sub(r"postgresql://\S+", pg or "", v) for k, v in c.env.items()}
    argv = [re.sub(r"^postgresql://\S+$", pg or "", a) for a in argv]
    with monkeypatch.context() as m:
        for k, v in env.items():
            m.setenv(k, v)
        return main(argv[1:])


@pytest.mark.slow
def test_every_readme_command_runs_as_written(documented_world, monkeypatch, capsys,  # type: ignore[no-untyped-def]
                                              pg_url) -> None:
    commands, skipped = documented(ROOT / "README.md")
    failed = []
    for c in commands:
        if c.argv[:2] == ["make", "test"]:
            continue  # this suite itself, which .ci/run runs
        code = _run(c, monkeypatch, pg_url)
        err = capsys.readouterr().err
        if code != 0:
            failed.append(f"README.md line {c.line}: `{c.text}` exited {code}: "
                          f"{(err.strip().splitlines() or [''])[-1][:300]}")
    with capsys.disabled():
        print(f"\nREADME.md: {len(commands)} commands run; skipped blocks:")
        for line, why, body in skipped:
            print(f"  line {line} ({why}): {body.splitlines()[0]} …")
    assert not failed, "\n".join(failed)
