"""``rerating addin …``: the RR functions' hosts set up (xlwings, LibreOffice Calc, the Office
add-in's manifest), their reference, and a book converted between the hosts' spellings."""

from __future__ import annotations

from pathlib import Path

import click

from rerating.cli.root import OUT_FILE, OVERWRITE, cli
from rerating.errors import InputError


@cli.group()
def addin() -> None:
    """Set up the RR_ functions: Windows Excel (xlwings), LibreOffice Calc, the Office add-in;
    their reference, and a book converted between the hosts' spellings."""


@addin.command("install")
@click.option("--dry-run", is_flag=True, help="Say what would be done, change nothing.")
def addin_install(dry_run: bool) -> None:
    """Install the xlwings add-in and point it at the RR_ functions (Windows; run it from the
    project's environment, so Excel calls this Python).

    \b
    Example:
      .venv\\Scripts\\rerating addin install --dry-run
    """
    import subprocess

    from rerating.functions.xlwings_host import install_plan, write_config

    plan = install_plan()
    if dry_run or plan.supported:  # the plan, on any OS
        click.echo(f"{'Would write' if dry_run else 'Config'}: {plan.config_file}")
        for key, value in plan.config.items():
            click.echo(f"  {key} = {value}")
        for cmd in plan.commands:
            click.echo(f"  {'would run' if dry_run else 'run'}: " + " ".join(cmd))
    if not plan.supported:
        click.echo(plan.note)
        return
    if dry_run:
        click.echo(plan.note)
        return
    write_config(plan)
    for cmd in plan.commands:
        subprocess.run(cmd, check=True)
    click.echo(plan.note)


@addin.command("starter")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("Rerating.xlsm"), show_default=True,
              help="The macro-enabled workbook to write (.xlsm).")
@click.option("--interpreter", default=None,
              help=r"The Windows Python Excel should start (default: this one, on Windows; "
                   r"required elsewhere), e.g. C:\desk\.venv\Scripts\python.exe.")
def addin_starter(out: Path, interpreter: str | None) -> None:
    """A macro-enabled starter workbook wired to the RR_ functions and this Python.

    \b
    Example:
      rerating addin starter -o Rerating.xlsm
    """
    from rerating.functions.xlwings_host import starter_workbook

    if out.suffix.lower() != ".xlsm":
        raise InputError(f"{out.name}: the starter holds macros, so it must be saved as .xlsm")
    click.echo(f"Wrote {starter_workbook(out, interpreter)}: open it in Windows Excel, enable "
               "macros and run ImportPythonUDFs once (steps on its Start sheet).")


@addin.command("libreoffice")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the extension (default: rerating-calc.oxt in the per-user "
                   "data folder).")
@click.option("--build-only", is_flag=True, help="Write the .oxt, do not install it.")
@click.option("--shared", "shared", flag_value=True, default=None,
              help="Install for all users (needed when run as root; the default then).")
def addin_libreoffice(out: Path | None, build_only: bool, shared: bool | None) -> None:
    """The RR_ functions in LibreOffice Calc: build the extension (.oxt) and install it.

    Calc then computes RR_ cells in any workbook, .xlsx included, under the names Excel uses,
    and saves them back under those names. Restart LibreOffice after installing.

    \b
    Example:
      rerating addin libreoffice
    """
    import platformdirs

    from rerating.functions.calc_host import build_oxt, install

    if out is None:
        out = Path(platformdirs.user_data_dir("rerating", False)) / "rerating-calc.oxt"
    if out.suffix.lower() != ".oxt":
        raise InputError(f"{out.name}: a LibreOffice extension must be saved as .oxt")
    build_oxt(out)
    click.echo(f"Wrote {out}")
    if build_only:
        click.echo(f"Install it with: unopkg add --force {out}  (as root: add --shared)")
        return
    plan = install(out, shared=shared)
    if plan.replaces:
        click.echo(f"note: LibreOffice has one slot for an extension installed for all users; "
                   f"this install replaced the one {plan.replaces}", err=True)
    click.echo(("Installed for all users (unopkg --shared)" if plan.shared else
                "Installed for this user") + ": restart LibreOffice; then a cell such as "
               "=RR_JUSTIFIED_PE(0.5;0.05;0.10) gives 10.5, and RR_ cells in .xlsx files compute.")


@addin.command("convert")
@click.argument("book", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--to", "to", type=click.Choice(["office", "excel"]), required=True,
              help="office: for the Office add-in (RR.PRICE, stored _xldudf_RR_PRICE); excel: for "
                   "xlwings and LibreOffice Calc (RR_PRICE).")
@OUT_FILE
@OVERWRITE
def addin_convert(book: Path, to: str, out: Path, overwrite: bool) -> None:
    """Rewrite a workbook's RR_ formulas for another host (the original stays as it is).

    \b
    Example:
      rerating addin convert comps.xlsx --to office -o comps-office.xlsx
    """
    from rerating.workbooks.convert import convert

    done = convert(book, out, to, overwrite=overwrite)
    what = "the Office add-in" if to == "office" else "xlwings and LibreOffice Calc"
    click.echo(f"Wrote {done.out}: {done.calls} RR_ call(s) in {done.parts} part(s) now for {what}")


@addin.command("functions")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the reference here (default: print it).")
def addin_functions(out: Path | None) -> None:
    """The RR_ function reference (addin/FUNCTIONS.md) generated from the code.

    \b
    Example:
      rerating addin functions -o FUNCTIONS.md
    """
    from rerating.functions.reference import functions_markdown

    text = functions_markdown()
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}")


@addin.command("manifest")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("rerating-addin.xml"), show_default=True, help="Where to write the manifest.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="The port `rerating serve` listens on (default 45873).")
@OVERWRITE
def addin_manifest(out: Path, port: int | None, overwrite: bool) -> None:
    """The Office add-in's manifest, to sideload into Excel on Windows, Mac or the web.

    It names https://localhost:PORT, where `rerating serve --https` answers the functions
    (RR.PRICE, RR.RALLY_TABLE, …) and serves the task pane. The README says how to sideload
    it on each Excel.

    \b
    Example:
      rerating addin manifest -o rerating-addin.xml
    """
    from rerating.atomic import atomic_write_bytes
    from rerating.functions import office_addin
    from rerating.server.app import DEFAULT_PORT

    if out.exists() and not overwrite:
        raise InputError(f"{out} exists: give --overwrite to replace it, or -o another file")
    base = f"https://localhost:{port or DEFAULT_PORT}"
    atomic_write_bytes(out, office_addin.manifest(base).encode("utf-8"))
    click.echo(f"Wrote {out}: the add-in for {base} (start it with `rerating serve --https"
               + (f" --port {port}" if port else "") + "`)")
