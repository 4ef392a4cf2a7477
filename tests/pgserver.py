"""A throwaway PostgreSQL cluster for the tests: ``initdb`` into a temporary folder, ``pg_ctl
start`` on 127.0.0.1 at a free port, stopped and removed at the end. No mocks of the database.

Run as root (CI is), the cluster belongs to an unprivileged user (``postgres`` when Debian's
package made it, else ``nobody``): PostgreSQL refuses to run as root. A password is set for the
superuser so that the tests go through password authentication (``scram-sha-256``), as a desk's
server does. Skipped, with the reason, where PostgreSQL's server binaries are not installed
(``.ci/run`` installs them: Debian's ``postgresql``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "s3cr3t-for-tests-only"
#: the real one, taken before the tests' no-network guard replaces it (the relay talks to the
#: throwaway server on 127.0.0.1 only)
_sock_connect = socket.socket.connect


def _connect(address: tuple[str, int]) -> socket.socket:
    s = socket.socket()
    try:
        _sock_connect(s, address)
    except OSError:
        s.close()
        raise
    return s


def bin_dir() -> Path | None:
    """PostgreSQL's server binaries: on PATH, or Debian's /usr/lib/postgresql/<v>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(versions[-1]).parent if versions else None


def missing() -> str | None:
    return None if bin_dir() is not None else \
        "PostgreSQL's server is not installed (Debian: apt-get install postgresql)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    port: int
    user: str = "postgres"

    def url(self, db: str = "postgres", user: str | None = None,
            password: str | None = PASSWORD) -> str:
        who = user or self.user
        auth = f"{who}:{password}@" if password is not None else f"{who}@"
        return f"postgresql://{auth}127.0.0.1:{self.port}/{db}"


@contextmanager
def server() -> Iterator[Server]:
    bins = bin_dir()
    assert bins is not None, missing()
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        for name in ("postgres", "nobody"):
            try:
                owner = pwd.getpwnam(name)
                break
            except KeyError:
                continue
        assert owner is not None, "no unprivileged user to run PostgreSQL as"
        run_as = ["runuser", "-u", owner.pw_name, "--"]
    root = Path(tempfile.mkdtemp(prefix="rr-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if owner is not None:
        for p in (root, sock, pwfile):
            os.chown(p, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run([*run_as, str(bins / "initdb"), "-D", str(data), "-U", "postgres",
                    "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8"],
                   check=True, capture_output=True, env=env)
    log = root / "server.log"
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sock} "
            "-c fsync=off -c max_connections=60")
    try:  # stopped and removed at the end, also when the start or a test fails
        subprocess.run([*run_as, str(bins / "pg_ctl"), "-D", str(data), "-l", str(log), "-o",
                        opts, "-w", "-t", "60", "start"], check=True, capture_output=True, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield Server(port)
    finally:
        subprocess.run([*run_as, str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True, env=env)
        shutil.rmtree(root, ignore_errors=True)


def create_database(srv: Server, name: str) -> str:
    """A fresh database on ``srv``; its URL."""
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(srv.url(), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')  # name: the test's own constant
    return srv.url(name)


class Relay:
    """A TCP relay between the store's clients and the server, to cut the network in the
    middle of an answer: real sockets, the real driver and server on either side.

    ``cut_after(n)`` arms it: once ``n`` more bytes went from the server to a client, every
    connection through it is reset (as a dropped VPN or a pulled cable is seen by libpq); new
    connections are refused until :meth:`heal`.
    """

    def __init__(self, target_port: int) -> None:
        import threading

        self.target = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = int(self.listener.getsockname()[1])
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._budget: int | None = None
        self.down = False
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, srv: Server, db: str) -> str:
        return srv.url(db).replace(f":{srv.port}/", f":{self.port}/")

    def cut_after(self, nbytes: int) -> None:
        with self._lock:
            self._budget = nbytes

    def heal(self) -> None:
        with self._lock:
            self._budget, self.down = None, False

    def _cut(self) -> None:
        import struct

        self.down, self.cuts = True, self.cuts + 1
        for s in self._socks:
            with contextlib.suppress(OSError):  # RST, not FIN: the peer sees a reset connection
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.shutdown(socket.SHUT_RD)  # wakes the pump blocked in recv, sends nothing
            with contextlib.suppress(OSError):
                s.close()
        self._socks.clear()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                if self.down:
                    client.close()
                    continue
                try:
                    server = _connect(("127.0.0.1", self.target))
                except OSError:
                    client.close()
                    continue
                self._socks += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, to_client: bool) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                return
            with self._lock:
                if to_client and self._budget is not None:
                    self._budget -= len(data)
                    if self._budget <= 0:
                        self._cut()
                        return
            try:
                dst.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        with self._lock:
            self._cut()
        self.listener.close()
