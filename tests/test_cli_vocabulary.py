"""One CLI vocabulary: one option name, one default and one help text per concept, read from
the click definitions of every command; one meaning of the exit status; no synthetic ticker
sent to Yahoo."""

from __future__ import annotations

import shutil
from functools import partialmethod
from pathlib import Path

import click
import pytest

from rerating.cli import cli, main
from rerating.data.providers.yahoo import YahooProvider


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> dict[str, click.Command]:
    out: dict[str, click.Command] = {}
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out |= commands(cmd, (*path, name))
        else:
            out[" ".join((*path, name))] = cmd
    return out


def options(cmd: click.Command) -> dict[str, click.Option]:
    return {p.name: p for p in cmd.params if isinstance(p, click.Option) and not p.hidden}


CONCEPTS = ("source", "as_of", "window", "progress", "small_index", "large_index", "small", "large",
            "overwrite")


@pytest.mark.parametrize("concept", CONCEPTS)
def test_one_name_one_default_one_help_per_concept(concept: str) -> None:
    seen = {name: options(cmd)[concept] for name, cmd in commands().items() if concept in options(cmd)}
    assert len(seen) >= 2 or concept in ("overwrite",), (concept, list(seen))
    forms = {(tuple(o.opts), tuple(o.secondary_opts), repr(o.default), o.help) for o in seen.values()}
    assert len(forms) == 1, {n: (o.opts, o.default, o.help) for n, o in seen.items()}


def test_the_rally_commands_take_the_same_sides() -> None:
    cmds = commands()
    for name in ("report", "dashboard build"):
        assert {"small_index", "large_index", "small", "large", "window"} <= set(options(cmds[name])), name
    assert {"large_index", "window"} <= set(options(cmds["comps build"]))
    visible = {o for cmd in cmds.values() for p in options(cmd).values() for o in p.opts}
    assert not visible & {"--benchmark", "--large-universe"}  # the old names are hidden aliases
    assert options(cmds["report"])["window"].default == "MTD" == options(cmds["comps build"])["window"].default


def test_every_option_has_help_and_every_command_an_example() -> None:
    for name, cmd in commands().items():
        for opt in options(cmd).values():
            assert opt.help, f"{name} {opt.opts[0]} has no help"
        if cmd.params:  # commands with nothing to choose need no example
            assert "Example" in (cmd.help or ""), f"{name} shows no example"


def test_old_names_keep_working_and_say_the_new_one(demo_store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "store"
    shutil.copytree(demo_store.root, d)
    code = main(["--data-dir", str(d), "comps", "build", "demo-small", "--benchmark", "LARGE50.DEMO",
                 "-o", str(tmp_path / "c.xlsx")])
    _out, err = capsys.readouterr()
    assert code == 0, err
    assert "note: --benchmark is now --large-index" in err


def test_data_refresh_takes_each_ticker_from_its_own_source(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`data refresh` defaulted to --source demo while every other command defaulted to store."""
    from rerating.services.notes import Notes
    from rerating.services.refresh import refresh_plan
    from rerating.settings import Settings

    code = main(["--data-dir", str(tmp_path), "data", "refresh", "--tickers", "DEVALPER.DEMO",
                 "--start", "2026-04-01", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("Refreshed 1 of 1 tickers from demo:synthetic (SYNTHETIC")
    settings = Settings.from_env(data_dir=tmp_path / "empty")
    notes = Notes()
    assert refresh_plan(settings, "store", ["TCS.NS", "DEVALPER.DEMO", "^NSEI"], notes) == [
        ("demo", ["DEVALPER.DEMO"]), ("yahoo", ["TCS.NS", "^NSEI"])]
    plan = refresh_plan(settings, "store", [], notes)  # an empty store, nothing named
    assert [src for src, _ in plan] == ["demo"] and len(plan[0][1]) == 302
    assert "filling it with the SYNTHETIC demo market" in notes.warned[-1]
    assert notes.said == []  # a plan's note is a warning line (stderr), never the summary


def test_synthetic_tickers_are_never_sent_to_yahoo(demo_store, fake_yahoo, tmp_path: Path,
                                                   monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """`rerating refresh dcf_X.DEMO.xlsx --source yahoo` asked Yahoo for the .DEMO tickers,
    labelled the synthetic data STALE and exited 0."""
    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))
    d = tmp_path / "store"
    shutil.copytree(demo_store.root, d)
    book = tmp_path / "dcf.xlsx"
    assert main(["--data-dir", str(d), "model", "build", "DEVALPER.DEMO", "-o", str(book)]) == 0
    capsys.readouterr()
    code = main(["--data-dir", str(d), "refresh", str(book), "--source", "yahoo", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "SYNTHETIC demo tickers, which yahoo does not know: use --source demo" in err
    assert sum(fake_yahoo.calls.values()) == 0
    assert "STALE" not in out + err


def test_a_failed_fetch_exits_1_in_every_command(demo_store, fake_yahoo, tmp_path: Path,
                                                 monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """`data refresh` exited 1 for a failed ticker while `comps build --source yahoo` exited 0
    for the same failure."""
    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))
    d = tmp_path / "store"
    args = ["--data-dir", str(d)]
    assert main([*args, "data", "refresh", "--source", "yahoo", "--tickers", "RELIANCE.NS,TCS.NS,^NSEI",
                 "--start", "2026-03-01", "--end", "2026-04-30", "--no-progress"]) == 0
    fake_yahoo.failures["TCS.NS"] = "404"
    assert main([*args, "data", "refresh", "--source", "yahoo", "--tickers", "TCS.NS",
                 "--no-progress"]) == 1
    capsys.readouterr()
    code = main([*args, "comps", "build", "RELIANCE.NS,TCS.NS", "--large-index", "^NSEI",
                 "--source", "yahoo", "-o", str(tmp_path / "c.xlsx"), "--no-progress"])
    _out, err = capsys.readouterr()
    assert code == 1, err
    assert (tmp_path / "c.xlsx").exists()  # built from what arrived
    assert "failed prices TCS.NS" in err and "STALE" in err


def test_a_failed_fetch_does_not_advise_the_step_that_just_failed(fake_yahoo, tmp_path: Path,
                                                                  monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """`model build FOO.NS --source yahoo` with no network ended by advising `rerating data
    refresh`."""
    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))
    fake_yahoo.failures["FOO.NS"] = "dns"
    code = main(["--data-dir", str(tmp_path), "model", "build", "FOO.NS", "--source", "yahoo",
                 "-o", str(tmp_path / "m.xlsx"), "--no-progress"])
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    # exit 1: the source could not be reached (issue 31: it was 2, "your input needs a change")
    assert code == 1 and len(lines) == 2, err
    assert lines[0].startswith("cannot reach Yahoo Finance: no network")
    assert lines[1].startswith("error: the source could not be reached, and nothing is stored "
                               "for 1 ticker(s) (FOO.NS): run it again when the network answers")
    # FOO.NS is in no built-in list: the symbol itself is worth a look
    assert "check the symbol FOO.NS (NSE tickers end in .NS)" in lines[1]
    assert "data refresh" not in err
    assert not (tmp_path / "m.xlsx").exists()


def test_the_rr_functions_share_the_window_default_and_words() -> None:
    from rerating.functions.registry import REGISTRY

    with_window = [s for s in REGISTRY.values() if "window" in s.args]
    assert len(with_window) >= 5
    cli_window = options(commands()["report"])["window"]
    for spec in with_window:
        assert spec.defaults["window"] == cli_window.default == "MTD", spec.name
        assert "MTD (month to date, the default), 1M, 3M" in spec.args["window"], spec.name
    assert "MTD (month to date, the default), 1M, 3M" in cli_window.help
