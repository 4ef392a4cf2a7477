"""Configuration in one place: a settings object built from ``RERATING_*`` variables and flags.

Nothing deep inside the package reads the environment; callers build a :class:`Settings` (usually
with :meth:`Settings.from_env`) and pass it in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs

_APP = "rerating"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    """Where the store lives and how data may be fetched.

    Attributes
    ----------
    data_dir : the local store's folder (``RERATING_DATA_DIR``; default: the per-user data dir).
    log_dir : where tracebacks of internal errors go (``RERATING_LOG_DIR``).
    offline : never touch the network; a store miss raises ``CacheMiss`` (``RERATING_OFFLINE``).
    max_workers : concurrent per-ticker requests to a live source (``RERATING_MAX_WORKERS``).
    fetch_timeout : seconds one fetch may take (``RERATING_FETCH_TIMEOUT``).
    index_map : a CSV (``index_name,symbol``) adding NSE index names to the built-in map that
        files' index names meet Yahoo symbols through (``RERATING_INDEX_MAP``; default
        ``<data_dir>/index_map.csv`` when it exists).
    cache_values : store formulas' computed values in built books, through LibreOffice when it
        is installed (``RERATING_CACHE_VALUES``; default on, ``0`` turns it off).
    store_url : a desk's shared store, ``postgresql://host/db`` (``RERATING_STORE``, or
        ``--store``); unset, the local Parquet store in ``data_dir``.
    config_dir : what ``rerating serve`` keeps between runs: its pairing token and the local
        certificate authority (``RERATING_CONFIG_DIR``; default: the per-user config dir).
    """

    data_dir: Path
    log_dir: Path
    offline: bool = False
    max_workers: int = 4
    fetch_timeout: float = 30.0
    index_map: Path | None = None
    cache_values: bool = True
    store_url: str | None = None
    config_dir: Path | None = None

    @property
    def server_dir(self) -> Path:
        """``rerating serve``'s token and certificates (private to this user)."""
        return (self.config_dir or Path(platformdirs.user_config_dir(_APP, False))) / "serve"

    @property
    def index_map_file(self) -> Path:
        return self.index_map or self.data_dir / "index_map.csv"

    @property
    def renames_file(self) -> Path:
        """The user's symbol changes and delistings (``old,new,date,note``)."""
        return self.data_dir / "renames.csv"

    @property
    def log_file(self) -> Path:
        """Where tracebacks of internal errors go (printed by ``rerating doctor``)."""
        return self.log_dir / "rerating.log"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("RERATING_DATA_DIR") or platformdirs.user_data_dir(_APP, False))
        log_dir = Path(env.get("RERATING_LOG_DIR") or platformdirs.user_log_dir(_APP, False))
        settings = cls(
            data_dir=data_dir.expanduser(),
            log_dir=log_dir.expanduser(),
            offline=env.get("RERATING_OFFLINE", "").strip().lower() in _TRUE,
            max_workers=int(env.get("RERATING_MAX_WORKERS", "4")),
            fetch_timeout=float(env.get("RERATING_FETCH_TIMEOUT", "30")),
            index_map=Path(env["RERATING_INDEX_MAP"]).expanduser()
            if env.get("RERATING_INDEX_MAP") else None,
            cache_values=env.get("RERATING_CACHE_VALUES", "1").strip().lower() not in _FALSE,
            store_url=env.get("RERATING_STORE") or None,
            config_dir=Path(env["RERATING_CONFIG_DIR"]).expanduser()
            if env.get("RERATING_CONFIG_DIR") else None,
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        if "data_dir" in given:
            given["data_dir"] = Path(str(given["data_dir"])).expanduser()
        return replace(settings, **given)  # type: ignore[arg-type]


def https_proxy(env: Mapping[str, str] | None = None) -> str | None:
    """The proxy HTTPS requests go through (``HTTPS_PROXY``, as curl and requests read it), with
    any password masked, or None. Yahoo requests honour it without any setting of ours."""
    import re

    env = os.environ if env is None else env
    value = next((env[k] for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
                  if env.get(k)), None)
    return re.sub(r"//([^:/@]+):[^@/]+@", r"//\1:***@", value) if value else None
