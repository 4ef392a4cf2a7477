"""`python -m benchmarks` (or `make bench`): every benchmark, one table.

`python -m benchmarks --record benchmarks/RESULTS.md` also writes the table as Markdown with
the date and a description of the machine, so results from different machines stay apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
from pathlib import Path

from benchmarks._harness import markdown, print_rows


def machine() -> str:
    """CPU model, cores, memory, OS, Python and the libraries that set the speed."""
    import numpy
    import pandas
    import pyarrow

    cpu = platform.processor() or platform.machine()
    mem = ""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        cpu = next(line.split(":", 1)[1].strip() for line in info.splitlines()
                   if line.startswith("model name"))
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text(
            encoding="utf-8").splitlines() if line.startswith("MemTotal"))
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} logical cores{mem}; {platform.platform()}; "
            f"Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"pandas {pandas.__version__}, pyarrow {pyarrow.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--record", type=Path, default=None,
                        help="also write the table as Markdown to this file")
    args = parser.parse_args()
    rows = []
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        mod = importlib.import_module(f"benchmarks.{path.stem}")
        rows += mod.run()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# {when} on {machine()}")
    print_rows(rows)
    if args.record:
        args.record.write_text(
            "# Benchmark results\n\n"
            f"Recorded {when} with `make bench` (`python -m benchmarks --record {args.record}`).\n\n"
            f"Machine: {machine()}.\n\n"
            "Each row times our code and its baseline in the same run (medians of repeated runs; "
            "the UDF rows alternate the two sides so load from elsewhere hits both). "
            "ratio = baseline / ours, so above 1 means faster than the baseline. Tests never "
            "fail on these numbers; the verdict column compares them with the target the "
            "issue set.\n\n"
            f"{markdown(rows)}\n", encoding="utf-8")
        print(f"Recorded in {args.record}")


if __name__ == "__main__":
    main()
