"""``rerating serve``: the RR functions for the Office add-in (Excel on Windows, Mac, the web)."""

from __future__ import annotations

import click

from rerating.cli.root import cli, settings_of, where


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on (default 45873, the one the add-in's manifest names).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine's loopback shares the functions "
                   "with the network: said in a warning, and every call still needs the token.")
@click.option("--https", "use_https", is_flag=True,
              help="Serve HTTPS with a certificate from a local authority made on first run "
                   "(Office loads add-ins over HTTPS only); prints the one command that trusts it.")
@click.option("--origin", "origins", multiple=True, metavar="URL",
              help="Also allow calls from this origin (an add-in hosted elsewhere); repeatable.")
@click.option("--new-token", is_flag=True, help="Make a new pairing token (the old one stops working).")
@click.pass_context
def serve(ctx: click.Context, port: int | None, host: str, use_https: bool,
          origins: tuple[str, ...], new_token: bool) -> None:
    """Serve the RR_ functions to the Office add-in (Excel on Windows, Mac and the web).

    Calls need the pairing token printed here; paste it once into the add-in's task pane.

    \b
    Example:
      rerating serve --https
    """
    import secrets

    import uvicorn

    from rerating.atomic import atomic_write_bytes
    from rerating.data import access
    from rerating.server import app as server_app
    from rerating.server import tls

    s = settings_of(ctx)
    access.use(access.MarketData(s))  # the functions read the store this command was given
    port = port or server_app.DEFAULT_PORT
    token_file = s.server_dir / "token"
    if new_token or not token_file.exists():
        s.server_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(token_file, secrets.token_urlsafe(24).encode())
        token_file.chmod(0o600)
    token = token_file.read_text().strip()
    config = server_app.ServerConfig(token=token, port=port, host=host,
                                     scheme="https" if use_https else "http", origins=origins)
    if not config.loopback:
        click.echo(f"warning: listening on {host}: other machines can reach the RR_ functions; "
                   "every call still needs the pairing token", err=True)
    ssl: dict[str, str] = {}
    if use_https:
        certs = tls.ensure(s.server_dir)
        ssl = {"ssl_certfile": str(certs.cert), "ssl_keyfile": str(certs.key)}
        if certs.made_ca:
            why = f" in place of the old one ({certs.replaced})" if certs.replaced else ""
            click.echo(f"Made a local certificate authority ({certs.ca}){why}; it signs for "
                       f"localhost only and lasts {tls.CA_DAYS} days, then `rerating serve "
                       f"--https` makes the next. Trust it once, on this machine: "
                       f"{tls.trust_command(certs.ca)}")
    click.echo(f"Serving the RR_ functions at {config.scheme}://localhost:{port} "
               f"(store {where(s)}); Ctrl-C stops it")
    click.echo(f"pairing token: {token}")
    click.echo(f"the add-in's manifest: {config.scheme}://localhost:{port}/addin/manifest.xml "
               "(or `rerating addin manifest`)")
    uvicorn.run(server_app.create_app(config), host=host, port=port, log_level="warning",
                server_header=False, proxy_headers=False, timeout_graceful_shutdown=5,
                **ssl)  # type: ignore[arg-type]
