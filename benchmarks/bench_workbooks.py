"""Workbook refresh and build (issue 5).

Refresh: a DCF model whose analyst sheet holds 200,000 cells; our part-level refresh of the Data
sheet against openpyxl load-and-save of the same file, in one run (target: at least 10x, and
refresh time independent of the analyst sheets' size). Build: 100 company models from the
template against filling the same cells with openpyxl (load template, write, save).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from openpyxl import load_workbook

from benchmarks._harness import Row, median_seconds, print_rows
from rerating.data.providers.demo import DemoProvider
from rerating.data.refresh import refresh
from rerating.data.store import Store
from rerating.workbooks import content, engine, layout


def _analyst_sheet(src: Path, dest: Path, rows: int) -> None:
    wb = load_workbook(src)
    ws = wb.create_sheet("Analyst")
    for r in range(1, rows + 1):  # 10 columns: 8 numbers and 2 formulas per row
        for c in range(1, 9):
            ws.cell(r, c, r * c * 0.5)
        ws.cell(r, 9, f"=A{r}*B{r}")
        ws.cell(r, 10, f"=SUM(A{r}:H{r})")
    wb.save(dest)


def _openpyxl_fill(c: content.Content, out: Path) -> None:
    """The baseline build: the same Data cells written through openpyxl."""
    wb = load_workbook(engine.template_path(c.template))
    ws = wb[layout.DATA]
    lay = layout.LAYOUTS[c.template]
    for f in lay.fields:
        r, col = lay.field_cell(f.name)
        ws.cell(r, col, c.values.get(f.name))
    for b in lay.blocks:
        for col_spec in b.columns:
            r0, col, _ = lay.column_range(col_spec.name)
            for i, v in enumerate(c.values.get(col_spec.name) or []):
                ws.cell(r0 + i, col, v)
    wb.save(out)


def run() -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="rr-bench-wb-"))
    provider = DemoProvider()
    store = Store(tmp / "store")
    names = provider.universe("demo-small")[:100]
    refresh(store, provider, names, start="2020-01-01")
    small = engine.build(content.dcf(store, names[0], as_of="2026-03-31"), tmp / "small.xlsx").path
    big = tmp / "big.xlsx"
    _analyst_sheet(small, big, 20_000)  # 200,000 cells

    def refresh_file(p: Path) -> None:
        engine.refresh(p, store)

    ours_big = median_seconds(lambda: refresh_file(big), repeat=5)
    ours_small = median_seconds(lambda: refresh_file(small), repeat=5)
    base = median_seconds(lambda: load_workbook(big).save(tmp / "openpyxl.xlsx"), repeat=3, warmup=0)
    contents = [content.dcf(store, t) for t in names]

    def build_ours() -> None:
        for i, c in enumerate(contents):
            engine.build(c, tmp / "ours" / f"m{i}.xlsx", overwrite=True)

    def build_openpyxl() -> None:
        (tmp / "base").mkdir(exist_ok=True)
        for i, c in enumerate(contents):
            _openpyxl_fill(c, tmp / "base" / f"m{i}.xlsx")

    rows = [
        Row("refresh Data, 200k-cell analyst sheet (vs openpyxl load+save)", ours_big, base,
            ">= 10x faster (issue 5)", base / ours_big >= 10),
        Row("refresh Data, no analyst sheet (vs the 200k-cell refresh)", ours_small, ours_big,
            "independent of analyst size: ratio ~1x (issue 5)"),
        Row("build 100 DCF models (vs openpyxl filling the template)",
            median_seconds(build_ours, repeat=3), median_seconds(build_openpyxl, repeat=1, warmup=0),
            "throughput; no target (issue 5)"),
    ]
    return rows


if __name__ == "__main__":
    print_rows(run())
