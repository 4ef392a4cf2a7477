"""Fetch tickers into the store in a process of its own: ``python -m rerating.data.fetch_worker
TICKER …``, one JSON line of results on stdout.

The Calc add-in runs inside ``soffice.bin``, which has loaded LibreOffice's libcurl before
Python starts; curl_cffi's functions then resolve to that library, which cannot impersonate a
browser (``ImpersonateError``), so Yahoo cannot be asked from inside Calc. The add-in's store
reader (:class:`rerating.data.access.MarketData` with ``fetch_python``) runs this module with the
add-in's own Python instead: the same refresh, the same store, in a clean process.
"""

from __future__ import annotations

import json
import sys

from rerating.data.access import MarketData
from rerating.settings import Settings


def main(argv: list[str]) -> int:
    data = MarketData(Settings.from_env())
    data._refresh_batch([t.strip().upper() for t in argv if t.strip()])
    failed = {t: {"why": why, "unreachable": unreachable}
              for t, (_, why, unreachable) in data._failed.items()}
    sys.stdout.write(json.dumps({"failed": failed}) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a process by MarketData
    raise SystemExit(main(sys.argv[1:]))
