"""``rerating doctor``: where things are (the store this command and Excel read, the log file,
the proxy, versions)."""

from __future__ import annotations

import sys

import click
import pandas as pd

from rerating import __version__
from rerating.cli.root import cli, settings_of, where
from rerating.settings import Settings


@cli.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Where things are: the store this command and Excel read, log file, proxy, versions.

    \b
    Example:
      rerating doctor
    """
    import os

    import numpy
    import openpyxl
    import yfinance

    from rerating.settings import https_proxy

    s = settings_of(ctx)
    excel = Settings.from_env()  # what Excel's Python reads: no --data-dir reaches it
    click.echo(f"rerating {__version__}  python {sys.version.split()[0]}  ({sys.executable})")
    click.echo(f"pandas {pd.__version__}  numpy {numpy.__version__}  openpyxl {openpyxl.__version__}  "
               f"yfinance {yfinance.__version__}")
    if s.store_url:
        click.echo(f"store     {where(s)} (PostgreSQL, the desk's shared store: RERATING_STORE "
                   "or --store)")
    else:
        click.echo(f"store     {s.data_dir}" + ("" if s.data_dir.exists() else
                                                 "  (this folder does not exist: a refresh creates it)"))
    if excel.data_dir != s.data_dir:
        click.echo(f"          Excel's RR_ functions read {excel.data_dir} instead: --data-dir "
                   "reaches this command only; set RERATING_DATA_DIR (for Excel, as a user "
                   "environment variable) to point both at one store")
    else:
        how = "RERATING_DATA_DIR" if os.environ.get("RERATING_DATA_DIR") else "the per-user default"
        click.echo(f"          Excel's RR_ functions read the same store ({how})")
    click.echo(f"log file  {s.log_file}")
    from rerating.tracebacks import FETCH_FAILED, last_notes

    for line in last_notes(excel.log_file, FETCH_FAILED):  # what cells said in short
        click.echo(f"          {line}")
    click.echo(f"offline   {s.offline}")
    click.echo(f"proxy     {https_proxy() or 'none (HTTPS_PROXY unset): Yahoo is reached directly'}")
