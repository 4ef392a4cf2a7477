"""The ASGI application behind ``rerating serve``: the one registry of RR_ functions over HTTP.

Routes:

- ``POST /api/call``: many calls in one request (the Office batching pattern: one request per
  recalculation), ``{"calls": [{"function": "RR_PRICE", "args": [[["TCS.NS"]]]}, …]}``; each
  answer ``{"value": [[…]]}`` or ``{"error": {"code": "#N/A", "text": "#N/A …"}}``. Needs the token.
- ``GET /api/functions``: every function with its arguments' help (the add-in's metadata).
- ``GET /api/health``: that the server runs, and its version (no token: the task pane asks it
  before pairing). ``GET /api/status``: the store and its as-of (needs the token), from
  ``rerating.services.status``.
- ``GET /addin/…``: the add-in's own files (manifest, functions metadata, script, task pane).

Who may call (each refusal is one JSON line, never a traceback):

- **Host header** must name this server (``localhost``/``127.0.0.1`` and the port, or the
  ``--host`` given): a DNS-rebinding page cannot reach it under another name.
- **Origin**: a browser's request from any origin but this server's own (and those given with
  ``--origin``) is refused before anything runs, preflight or not; the allowed ones get CORS
  headers, and Chromium's Private Network Access preflight
  (``Access-Control-Request-Private-Network``) is answered for them only.
- **Token**: ``/api/call`` and ``/api/status`` need ``Authorization: Bearer <token>``, the
  pairing token ``rerating serve`` prints and the task pane stores once.
- **Loopback**: bound to 127.0.0.1 unless ``--host`` is given; a request from another address
  to a loopback-bound server is refused as well.
- **Limits**: body size, calls per request, argument cells, seconds per call
  (``rerating.functions.web_host.Limits``).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from rerating.errors import RerateError
from rerating.functions import values, web_host

#: the add-in's files (manifest, functions.json, functions.js, taskpane.html, icons)
ADDIN_DIR = Path(__file__).resolve().parents[1] / "addin_files"
DEFAULT_PORT = 45873


@dataclass(frozen=True)
class ServerConfig:
    token: str
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"
    scheme: str = "http"
    #: origins allowed besides the server's own (an add-in hosted elsewhere)
    origins: tuple[str, ...] = ()
    limits: web_host.Limits = field(default_factory=web_host.Limits)
    max_body: int = 16 * 1024 * 1024
    workers: int = 8
    addin_dir: Path = ADDIN_DIR

    @property
    def loopback(self) -> bool:
        return _is_loopback(self.host)

    def own_origins(self) -> set[str]:
        names = {"localhost", "127.0.0.1"} | ({self.host} if not self.loopback else set())
        return {f"{self.scheme}://{n}:{self.port}" for n in names}

    def allowed_hosts(self) -> set[str]:
        names = {"localhost", "127.0.0.1", "[::1]"} | ({self.host} if not self.loopback else set())
        return {f"{n}:{self.port}" for n in names}


def _is_loopback(host: str | None) -> bool:
    if host in (None, "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).strip("[]")).is_loopback
    except ValueError:
        return False


def _refuse(status: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status, headers=headers)


def create_app(config: ServerConfig) -> Starlette:
    pool = ThreadPoolExecutor(config.workers, thread_name_prefix="rr-call")
    allowed_origins = config.own_origins() | set(config.origins)
    allowed_hosts = config.allowed_hosts()

    def cors(origin: str | None) -> dict[str, str]:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {"Vary": "Origin"}

    def gate(need_token: bool) -> Callable[[Callable[[Request], Awaitable[Response]]],
                                           Callable[[Request], Awaitable[Response]]]:
        def wrap(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                refused = _check(request, need_token)
                if refused is not None:
                    return refused
                origin = request.headers.get("origin")
                try:
                    response = await handler(request)
                except Exception as exc:  # the boundary: one line to the caller, traceback to the log
                    values.log_internal(exc, f"server {request.url.path}")
                    response = _refuse(500, f"#ERR {type(exc).__name__} (details: rerating doctor)")
                response.headers.update(cors(origin))
                return response
            return endpoint
        return wrap

    def _check(request: Request, need_token: bool) -> Response | None:
        host = request.headers.get("host", "")
        if host not in allowed_hosts:
            return _refuse(421, f"#VALUE! this server answers as {sorted(allowed_hosts)[0]}, not {host[:80]!r}")
        client = request.client.host if request.client else None
        if config.loopback and not _is_loopback(client):
            return _refuse(403, "#VALUE! this server answers this machine only (start it with --host to share it)")
        origin = request.headers.get("origin")
        if origin is not None and origin not in allowed_origins:
            return _refuse(403, f"#VALUE! origin {origin[:80]!r} may not call this server "
                                "(rerating serve --origin adds one)")
        if need_token:
            said = request.headers.get("authorization", "")
            token = said[7:] if said.lower().startswith("bearer ") else ""
            if not token or not hmac.compare_digest(token.encode(), config.token.encode()):
                return _refuse(401, "#VALUE! pair the add-in first: paste the token `rerating serve` "
                                    "printed into its task pane", {"WWW-Authenticate": "Bearer"})
        return None

    async def preflight(request: Request) -> Response:
        refused = _check(request, need_token=False)
        if refused is not None:
            return refused
        origin = request.headers.get("origin")
        headers = {**cors(origin), "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                   "Access-Control-Allow-Headers": "Authorization, Content-Type",
                   "Access-Control-Max-Age": "600"}
        if request.headers.get("access-control-request-private-network", "").lower() == "true":
            # Chromium's Private Network Access: a page may reach this loopback server only
            # when the server says so, and it does for the allowed origins alone
            headers["Access-Control-Allow-Private-Network"] = "true"
        return Response(status_code=204, headers=headers)

    async def body_json(request: Request) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > config.max_body):
            raise _TooLarge()
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > config.max_body:
                raise _TooLarge()
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise web_host.BadRequest(f"the body is not JSON ({exc})") from None
        except RecursionError:  # [[[[…]]]] deeper than any range Excel can send
            raise web_host.BadRequest("the body's JSON is nested too deeply (a range is at most "
                                      "a list of rows)") from None

    @gate(need_token=True)
    async def call(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        try:
            calls = web_host.parse(await body_json(request), config.limits)
        except _TooLarge:
            return _refuse(413, f"#VALUE! a request is at most {config.max_body // (1024 * 1024)} MiB")
        except web_host.BadRequest as exc:
            return _refuse(400, values.error_text(exc))
        results = await run_in_threadpool(web_host.run_batch, calls, config.limits, pool)
        return JSONResponse({"results": results})

    @gate(need_token=False)
    async def functions(request: Request) -> Response:
        return JSONResponse({"functions": web_host.catalog()})

    @gate(need_token=False)
    async def health(request: Request) -> Response:
        from rerating import __version__

        return JSONResponse({"ok": True, "service": "rerating", "version": __version__})

    @gate(need_token=True)
    async def status(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from rerating.data import access
        from rerating.services.status import store_status

        as_of = await run_in_threadpool(web_host.run_batch, [("RR_ASOF", [])], config.limits, None)
        try:  # the store the functions read (the one `rerating serve` was given)
            store = (await run_in_threadpool(store_status, access.shared().settings)).as_dict()
        except RerateError as exc:
            store = {"error": values.error_text(exc)}
        return JSONResponse({"as_of": as_of[0], "store": store})

    @gate(need_token=False)
    async def addin_file(request: Request) -> Response:
        from rerating.functions import office_addin

        name = request.path_params["name"]
        if name == "functions.json":  # made from the registry: a function added appears here
            return JSONResponse(office_addin.metadata())
        if name == "functions.js":
            return Response(office_addin.script(), media_type="text/javascript")
        if name == "manifest.xml":  # for this server's scheme and port
            return Response(office_addin.manifest(f"{config.scheme}://localhost:{config.port}"),
                            media_type="application/xml")
        if name.startswith("icon-") and name.endswith(".png") and name[5:-4].isdigit() \
                and int(name[5:-4]) in office_addin.ICON_SIZES:
            return Response(office_addin.icon_png(int(name[5:-4])), media_type="image/png",
                            headers={"Cache-Control": "max-age=86400"})
        path = (config.addin_dir / name).resolve()
        if config.addin_dir.resolve() not in path.parents or not path.is_file():
            return _refuse(404, f"#N/A no add-in file {name[:80]!r}")
        return FileResponse(path)

    routes = [
        Route("/api/call", call, methods=["POST"]),
        Route("/api/functions", functions, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/status", status, methods=["GET"]),
        Route("/addin/{name:path}", addin_file, methods=["GET"]),
    ]
    routes += [Route(r.path, preflight, methods=["OPTIONS"]) for r in list(routes)]

    async def not_found(request: Request, exc: Exception) -> Response:
        return _refuse(404, f"#N/A nothing at {request.url.path[:80]}")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return _refuse(405, f"#VALUE! {request.method} is not used at {request.url.path[:80]}")

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
    app.state.pool = pool
    return app


class _TooLarge(Exception):
    pass
