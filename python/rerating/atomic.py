"""Files that appear whole or not at all, whatever stops the process (Ctrl-C, ``kill -9``, a
full disk): one file by a write to a temporary name and a rename; a folder of files (a note:
HTML, PDF, charts, its dashboard) written in a staging folder beside it and moved in at the end.

Every room writes its files through here: the store's tables and manifest, the books, the
note, the charts, the add-in's files.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op on Windows, where folders cannot be synced)."""
    if os.name != "nt":
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never a part."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    fsync_dir(path.parent)


@contextlib.contextmanager
def staged_folder(out_dir: Path) -> Iterator[Path]:
    """A staging folder beside ``out_dir`` to write a set of files into. When the block ends
    normally, every file in it moves into ``out_dir`` under the same relative path (replacing
    a file of that name; other files in ``out_dir`` are left alone) and the staging folder goes;
    when it ends by an exception, Ctrl-C included, the staging folder goes and ``out_dir`` is as
    it was. The moves are renames on one file system, with Ctrl-C held off until they are done."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = out_dir.parent / f".{out_dir.name}.{secrets.token_hex(4)}.partial"
    stage.mkdir()
    try:
        yield stage
        with _ctrl_c_held():
            for src in sorted(p for p in stage.rglob("*") if p.is_file()):
                dest = out_dir / src.relative_to(stage)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
            fsync_dir(out_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C that arrives inside the block is raised when it ends (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[object] = []
    previous = signal.signal(signal.SIGINT, lambda *a: caught.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
