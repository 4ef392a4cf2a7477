"""``rerating store init``: a desk's shared store on PostgreSQL."""

from __future__ import annotations

import click

from rerating.cli.root import cli, settings_of
from rerating.errors import InputError


@cli.group("store")
def store_group() -> None:
    """A desk's shared store on PostgreSQL: create it, and its roles."""


@store_group.command("init")
@click.argument("url", required=False)
@click.option("--print-sql", is_flag=True,
              help="Print the SQL (schema, tables, the two roles and their grants) for a DBA "
                   "to run, and connect to nothing.")
@click.pass_context
def store_init(ctx: click.Context, url: str | None, print_sql: bool) -> None:
    """Create the shared store's schema and two roles: rerating_writer (the desk's scheduled
    refresh) and rerating_analyst (read only). Run it as the database's owner; then grant the
    roles to logins and point every analyst's RERATING_STORE at the database.

    \b
    Examples:
      rerating store init postgresql://dba@db.desk/rerating
      rerating store init --print-sql > rerating.sql        # for a DBA
      # then, as the DBA:  CREATE ROLE refresh LOGIN IN ROLE rerating_writer;
      #                    CREATE ROLE alice LOGIN IN ROLE rerating_analyst;
    """
    from rerating.data.store.postgres import (
        ANALYST_ROLE,
        WRITER_ROLE,
        PgStore,
        ddl,
        is_url,
        role_sql,
    )

    if print_sql:
        for stmt in ddl() + role_sql():
            click.echo(stmt + ";")
        return
    url = url or settings_of(ctx).store_url
    if not url or not is_url(url):
        raise InputError("give the database: rerating store init postgresql://host/db (or set "
                         "RERATING_STORE), or --print-sql for a DBA")
    store = PgStore(url)
    store.init()
    click.echo(f"Store {store.root}: schema rerating ready; roles {WRITER_ROLE} (refresh) and "
               f"{ANALYST_ROLE} (read only). Grant them to logins, e.g. CREATE ROLE alice LOGIN "
               f"IN ROLE {ANALYST_ROLE}; then set RERATING_STORE on each analyst's machine.")
