"""No revisions is not zero breadth: the core, the RR_ function and all three books agree.

When no analyst raised or cut an estimate, (up - down) / (up + down) has no value. The core says
NaN, RR_REVISION_BREADTH says "#N/A no revisions", and the DCF model's Multiples sheet, the comps
book's breadth column and the dashboard's History all show a blank (recalculated by LibreOffice),
where they used to show 0 in two of the three.
"""

from __future__ import annotations

import math

import pytest

from rerating.analytics import revisions
from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, demo_market
from rerating.workbooks import content, engine
from rerating.workbooks.libreoffice import recalculate, soffice, values_by_name
from tests.functions.harness import call


def _no_value(x: object) -> bool:
    return x is None or x == ""


def test_core_and_function_say_no_revisions() -> None:
    assert math.isnan(revisions.revision_breadth(0, 0))
    assert math.isnan(revisions.revision_breadth([0, 0], [0, 0], axis=0))
    assert revisions.revision_breadth(3, 1) == 0.5  # and a real count still counts
    got = call("RR_REVISION_BREADTH", [[0.0], [0.0]], [[0.0], [0.0]])
    assert (got[0][0] if isinstance(got, list) else got) == "#N/A no revisions"


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_every_book_shows_no_revisions_as_blank(demo_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    m = demo_market()
    small, large = m.universe("demo-small"), m.universe("demo-large")
    model = content.dcf(demo_store, small[0])
    model.values["rr_up_30d"], model.values["rr_down_30d"] = 0.0, 0.0
    comps = content.comps(demo_store, small, LARGE_INDEX, "MTD", universe="demo-small")
    for key in ("rr_c_up_30d", "rr_c_down_30d"):
        comps.values[key] = [0.0, *comps.values[key][1:]]
    dash = content.dashboard(demo_store, SMALL_INDEX, LARGE_INDEX, small, large, "MTD")
    for key in ("rr_r_small_up", "rr_r_small_down"):
        dash.values[key] = [*dash.values[key][:-1], 0.0]
    files = [engine.build(c, tmp_path / f"{n}.xlsx").path
             for n, c in (("model", model), ("comps", comps), ("dash", dash))]
    recalculate(files, tmp_path / "calc")
    got = {p.stem: values_by_name(tmp_path / "calc" / p.name) for p in files}
    assert _no_value(got["model"]["mul_breadth"])
    assert _no_value(got["comps"]["cmp_breadth"][0])
    assert isinstance(got["comps"]["cmp_breadth"][1], int | float)  # the others still have theirs
    n = len(dash.values["rr_r_month"])
    assert _no_value(got["dash"]["hist_small_breadth"][n - 1])
    assert _no_value(got["dash"]["dash_breadth_small"])
    assert isinstance(got["dash"]["hist_small_breadth"][n - 2], int | float)
