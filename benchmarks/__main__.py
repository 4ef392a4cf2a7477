"""`python -m benchmarks` (or `make bench`): every benchmark, one table."""

from __future__ import annotations

import importlib
import platform
from pathlib import Path

from benchmarks._harness import print_rows


def main() -> None:
    rows = []
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        mod = importlib.import_module(f"benchmarks.{path.stem}")
        rows += mod.run()
    print(f"# {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}")
    print_rows(rows)


if __name__ == "__main__":
    main()
