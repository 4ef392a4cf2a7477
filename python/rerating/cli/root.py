"""The ``rerating`` command's root: the group every command hangs from, the options they share
(one name, one default, one help text per concept), and :func:`main`, the boundary where errors
of ours become one readable line (exit code 2) and anything unexpected is logged with its
traceback (``rerating doctor`` prints where) and reported in one line (exit code 70).

The work a command starts is in ``rerating.services``; a command parses, calls, and says.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import click

from rerating import __version__
from rerating.analytics import rally
from rerating.data.providers import PROVIDERS
from rerating.errors import InputError, ProviderError, RerateError, StoreUnreachable
from rerating.services.notes import Interrupted, Notes
from rerating.services.refresh import label, where
from rerating.services.subjects import MARKETS, as_of_note
from rerating.settings import Settings
from rerating.tracebacks import record, scrub

__all__ = ["cli", "label", "main", "where"]

EXIT_FETCH = 1  # a source or server could not be reached, or a fetch failed
EXIT_INPUT = 2
EXIT_INTERNAL = 70


def settings_of(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def store_of(ctx: click.Context):  # type: ignore[no-untyped-def]
    from rerating.data.store import open_store

    return open_store(settings_of(ctx))


class EchoNotes(Notes):
    """A service's messages on the terminal as they come: summaries to stdout, notes and
    failures to stderr."""

    def say(self, line: str) -> None:
        click.echo(line)

    def warn(self, line: str) -> None:
        click.echo(line, err=True)


class Bars:
    """A refresh's progress as bars on the terminal's stderr: one bar at a time, the last one
    closed when the next starts; none with --no-progress, none in a pipe (tqdm's own check)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar = None
        self._label: str | None = None

    def __call__(self, label: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if label != self._label:
            self.close()
            self._label = label
            self._bar = tqdm(total=total, desc=label, unit="file" if label.startswith("nse") else "tkr",
                             disable=None if self.enabled else True, file=sys.stderr, leave=False)
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._label = None, None

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def say_as_of(ctx: click.Context | None, asked: str | None, used) -> None:  # type: ignore[no-untyped-def]
    """One line when the data's date is not the date asked for (:func:`as_of_note`)."""
    line = as_of_note(settings_of(ctx) if ctx is not None else None, asked, used)
    if line:
        click.echo(line, err=True)


class _Root(click.Group):
    """The root group, which keeps the command line it was given: whether a command writes to
    the store decides what a store folder that does not exist means."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["started"] = time.perf_counter()
        args = _global_options_first(list(args))
        ctx.meta["argv"] = list(args)
        return super().parse_args(ctx, args)


#: options of the root command that users type after the subcommand as well
_GLOBAL_VALUED, _GLOBAL_FLAGS = ("--data-dir", "--store"), ("--offline",)


def _global_options_first(args: list[str]) -> list[str]:
    """``rerating data status --data-dir X`` as ``rerating --data-dir X data status``: the
    store's options are the root command's, but users (``--store`` users most) type them after
    the subcommand. Nothing after ``--`` moves."""
    front, rest, i = [], [], 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest += args[i:]
            break
        name = a.split("=", 1)[0]
        if name in _GLOBAL_VALUED and "=" not in a and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        if name in _GLOBAL_VALUED or a in _GLOBAL_FLAGS:
            front.append(a)
        else:
            rest.append(a)
        i += 1
    return front + rest


def _writes_store(argv: list[str]) -> bool | None:
    """True when the command line fills the store (and so may create its folder), False when it
    only reads it, None for commands that do not use it (help, add-in set-up, doctor)."""
    words, source, it = [], None, iter(argv)
    for t in it:
        if t in ("-h", "--help", "--version"):
            return None
        if t in ("--data-dir", "--source", "--market", "--store"):
            value = next(it, None)
            if t in ("--source", "--market"):
                source = value if t == "--source" else source or "market"
            continue
        if not t.startswith("-"):
            words.append(t)
    if not words or words[0] in ("addin", "doctor", "refresh", "store"):
        return None  # (a workbook's refresh checks the workbook first, then its store)
    if words[0] == "demo" or words[:2] in (["data", "refresh"], ["data", "import"],
                                           ["data", "universes"], ["data", "sync"]):
        return True
    return source is not None and source != "store"


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rerating")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Local store folder (default: $RERATING_DATA_DIR or the per-user data dir).")
@click.option("--offline", is_flag=True, default=None,
              help="Never use the network; a store miss is an error ($RERATING_OFFLINE).")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="A desk's shared store, postgresql://host/db ($RERATING_STORE); unset, the "
                   "local store in the data folder. Passwords come from libpq's usual places "
                   "(PGPASSWORD, ~/.pgpass) or the URL, and are never printed.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, offline: bool | None,
        store_url: str | None) -> None:
    """Rerating Desk: market data, analytics and model workbooks for Indian equities.

    \b
    Examples:
      rerating demo                                  # the whole job on SYNTHETIC data, offline
      rerating data refresh --source yahoo --universe nifty50
      rerating report --small-index NIFTYSMLCAP250.NS --large-index ^NSEI --small my250 --large nifty50
    """
    ctx.ensure_object(dict)
    ctx.obj["settings"] = settings = Settings.from_env(data_dir=data_dir, offline=offline or None,
                                                       store_url=store_url)
    folder = settings.data_dir
    given = "--data-dir" if data_dir is not None else \
        "RERATING_DATA_DIR" if os.environ.get("RERATING_DATA_DIR") else None
    if given and not settings.store_url and not folder.exists() \
            and _writes_store(ctx.meta.get("argv", [])) is False:
        # a typo in the path would otherwise read as "the store is empty; run a refresh"
        raise InputError(f"the store folder {folder} (from {given}) does not exist; check the "
                         "path, or create it by filling it: rerating --data-dir "
                         f"{folder} data refresh …")


@cli.result_callback()
@click.pass_context
def _exit_status(ctx: click.Context, result: object, **_: object) -> object:
    """Exit status 1 whenever a fetch failed, in every command (the book or note is still
    built from what is stored, and says it is stale)."""
    return 1 if ctx.meta.get("fetch_failed") else result


# -- one vocabulary: each concept has one option name, one default and one help text ----------
SOURCE = click.option(
    "--source", type=click.Choice(["store", *PROVIDERS]), default="store", show_default=True,
    help="Where the numbers come from. store: what is stored (data refresh: each ticker from "
         "its own source: demo tickers from the demo market, NSE's files' days from NSE, the "
         "rest from Yahoo); demo: the SYNTHETIC demo market; yahoo: Yahoo Finance, fetched "
         "first; nse: NSE's daily archive files (every stock's close, every index's close, "
         "P/E, P/B and yield), the days the store lacks fetched first.")

AS_OF = click.option("--as-of", "as_of", default=None,
                     help="Data as of this date (YYYY-MM-DD; 04/03/2026 is refused as ambiguous; "
                          "default: the last stored session).")

OUT_FILE = click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                        help="The workbook to write (.xlsx).")

OVERWRITE = click.option("--overwrite", is_flag=True, help="Rebuild over an existing file (a backup is kept).")

PROGRESS = click.option("--progress/--no-progress", default=True, show_default=True,
                        help="Progress bars and step timings on the terminal (never in a pipe).")

WINDOW = click.option("--window", default=rally.DEFAULT_WINDOW, show_default=True,
                      callback=lambda _ctx, _param, value: rally.check_window(value),
                      help=f"Rally window: {rally.WINDOW_WORDS}.")

CACHE = click.option("--cache-values/--no-cache-values", "cache", default=True, show_default=True,
                     help="Store every formula's computed value in the book, so previews, phones "
                          "and pandas show the numbers (needs LibreOffice; without it, formulas "
                          "only, computed on open).")

SMALL_INDEX = click.option("--small-index", default=None,
                           help="Small-cap index: a Yahoo symbol or NSE name (NIFTYSMLCAP250.NS, "
                                "'NIFTY SMALLCAP 250'); default SMALL250.DEMO on demo data.")

LARGE_INDEX = click.option("--large-index", default=None,
                           help="Large-cap index, the benchmark (^NSEI, 'NIFTY 50'); default "
                                "LARGE50.DEMO on demo data.")

SMALL = click.option("--small", default=None,
                     help="Small-cap stocks: a universe name or comma-separated tickers "
                          "(default demo-small on demo data).")

LARGE = click.option("--large", default=None,
                     help="Large-cap stocks, for revision breadth: a universe name or tickers "
                          "(default demo-large on demo data).")

MARKET = click.option("--market", type=click.Choice(sorted(MARKETS)), default=None,
                      help="A preset market. india: Nifty Smallcap 250 stocks and index "
                           "(NIFTYSMLCAP250.NS) against Nifty 50 (^NSEI); unless --source is "
                           "given, the days the store lacks come from NSE's daily files and the "
                           "fundamentals and estimates from Yahoo; --small, --large, "
                           "--small-index, --large-index override a side.")


def book_inputs(f: Callable) -> Callable:
    """--source, --as-of, --cache-values and --progress, the options every command that builds
    a book or a note takes, in the order --help lists them."""
    for opt in reversed([SOURCE, AS_OF, CACHE, PROGRESS]):
        f = opt(f)
    return f


def market_source(ctx: click.Context, market: str | None, source: str) -> str:
    """A --market preset reads a live market: unless --source was given, the days the store
    lacks come from NSE's daily files (every stock's close, every index's close and valuation,
    two requests a day) and the snapshots (fundamentals, estimates) from Yahoo."""
    from click.core import ParameterSource

    if market is not None and ctx.get_parameter_source("source") == ParameterSource.DEFAULT:
        return "nse"
    return source


def old_name(old: str, new: str) -> Callable[[Callable], Callable]:
    """A renamed option keeps working, hidden, and says its new name once."""
    dest = new.lstrip("-").replace("-", "_")

    def keep(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value is not None:
            click.echo(f"note: {old} is now {new}", err=True)
            ctx.meta.setdefault("renamed", {})[dest] = value

    return click.option(old, default=None, hidden=True, expose_value=False, callback=keep)


def given(ctx: click.Context, name: str, value: str | None) -> str | None:
    """An option's value, from its new name or the old one it replaced."""
    return value if value is not None else ctx.meta.get("renamed", {}).get(name)


def steps(progress: bool):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        if progress:
            click.echo(f"  [{time.perf_counter() - t0:5.1f}s] {msg}", err=True)

    return say


def _os_message(e: OSError) -> str:
    path = Path(e.filename) if e.filename else None
    if path is not None and isinstance(e, NotADirectoryError | FileExistsError):
        blocker = next((p for p in [path, *path.parents] if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return f"{blocker} is a file, not a folder, so {path} cannot be written; choose another path"
    where = f" ({e.filename})" if e.filename else ""
    return f"{e.strerror or e}{where}; nothing was changed"


def _warning_to_log(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    file: object = None, line: str | None = None) -> None:
    import datetime as dt

    path = Settings.from_env().log_file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(scrub(f"--- {dt.datetime.now(dt.UTC).isoformat()} warning {category.__name__} "
                           f"at {filename}:{lineno}: {message}\n"))
    except OSError:
        pass  # a warning is never worth failing a command for


def main(argv: list[str] | None = None) -> int:
    # yfinance logs each failed ticker; the provider collects those lines and we report them,
    # so keep them off the terminal without turning them off (the provider needs them).
    yf_log = logging.getLogger("yfinance")
    yf_log.propagate = False
    if not yf_log.handlers:
        yf_log.addHandler(logging.NullHandler())
    try:
        # Libraries' warnings (pandas deprecations inside yfinance…) are for the log, not for
        # the analyst's terminal; the filters stay as they are.
        with warnings.catch_warnings():
            warnings.showwarning = _warning_to_log
            # Without standalone mode click returns ctx.exit(n)'s code instead of raising it.
            code = cli.main(args=argv, prog_name="rerating", standalone_mode=False)
        if isinstance(code, int) and code:
            return code
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        e.show()
        return EXIT_INPUT
    except click.exceptions.Abort:  # Ctrl-C outside a step that says what it kept itself
        click.echo("Stopped by Ctrl-C. Nothing is left half-written: the store keeps its last "
                   "whole commit (`rerating data status` lists what it holds) and holds no "
                   "lock; a book or note being written is not there (each appears whole or "
                   "not at all).", err=True)
        return 130
    except Interrupted:  # what arrived is stored, and was said
        return Interrupted.exit_code
    except (ProviderError, StoreUnreachable) as e:  # nothing to change in the input: retry
        click.echo(f"error: {e}", err=True)
        return EXIT_FETCH
    except RerateError as e:
        click.echo(f"error: {e}", err=True)
        return EXIT_INPUT
    except OSError as e:  # the machine said no (a file where a folder must be, permissions, space)
        click.echo(f"error: {_os_message(e)}", err=True)
        return EXIT_INPUT
    except Exception as e:  # the boundary: log the traceback, show one line
        path = record(e, " ".join(sys.argv), Settings.from_env().log_file)
        click.echo(scrub(f"internal error: {type(e).__name__}: {e}")
                   + (f" (traceback in {path})" if path else ""), err=True)
        return EXIT_INTERNAL
    return 0


def run() -> None:
    """The ``rerating`` command: :func:`main`, then exit with its status. After Ctrl-C, what
    was kept is written and said by then, but a native library's thread (Arrow's, the PDF
    renderer's) may still be winding down and crash the interpreter's own shutdown (a Fatal
    Python error, SIGABRT, seen in 1 of 12 interrupted reports): the process leaves at once."""
    code = main()
    # the work is done and said: a Ctrl-C now has nothing to stop, and would only print an
    # "Exception ignored" from the interpreter's own shutdown
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if code == Interrupted.exit_code:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
