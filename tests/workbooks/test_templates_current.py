"""The checked-in templates are what rerating.workbooks.design makes (remake them after a change:
``python -m rerating.workbooks.design``), and they declare the names the engine fills."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from rerating.workbooks import design, engine, layout
from rerating.workbooks.ooxml import Package


@pytest.mark.parametrize("name", sorted(layout.LAYOUTS))
def test_checked_in_template_is_current(name: str, tmp_path: Path) -> None:
    design.BUILDERS[name](tmp_path / f"{name}.xlsx")
    fresh = zipfile.ZipFile(tmp_path / f"{name}.xlsx")
    shipped = zipfile.ZipFile(engine.template_path(name))
    volatile = {"docProps/core.xml"}  # creation time
    assert sorted(set(fresh.namelist()) - volatile) == sorted(set(shipped.namelist()) - volatile)
    for part in set(fresh.namelist()) - volatile:
        assert fresh.read(part) == shipped.read(part), f"{name}: {part} differs; run python -m rerating.workbooks.design"


@pytest.mark.parametrize("name", sorted(layout.LAYOUTS))
def test_template_names_point_where_the_layout_says(name: str) -> None:
    with Package(engine.template_path(name)) as pkg:
        names = pkg.defined_names()
        sheets = [s.name for s in pkg.sheets()]
    for n, ref in layout.LAYOUTS[name].names().items():
        assert names[n] == ref
    assert sheets[-3:] == list(layout.OWNED_SHEETS)
